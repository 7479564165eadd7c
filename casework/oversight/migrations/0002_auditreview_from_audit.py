"""The weekly audit review moves here from the audit app; its table and rows stay where they are.

Only Django's state changes: this migration creates ``AuditReview`` in oversight's state on the
existing table ``audit_auditreview`` (created by audit 0005, with the ledger's append-only
guard), and audit 0010, which depends on this one, removes it from the audit app's state. No
SQL runs either way, so the rows are kept and both steps reverse.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0001_initial"),
        ("accounts", "0004_service_accounts_and_api_tokens"),
        # The table exists from audit 0005 on; 0009 is the audit app's latest before the move.
        ("audit", "0009_capture_keeps_its_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AuditReview",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("week", models.DateField()),
                        ("flags_seen", models.IntegerField(default=0)),
                        ("findings", models.TextField()),
                        ("created_at", models.DateTimeField()),
                        (
                            "reviewer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="audit_reviews",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="audit_reviews",
                                to="accounts.unit",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "audit_auditreview",
                        "ordering": ["-week", "-id"],
                        "indexes": [
                            models.Index(fields=["unit", "week"], name="audit_review_unit_week_idx")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("week", "reviewer"), name="audit_review_once_a_week"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
