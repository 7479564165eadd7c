"""The time to triage as a stored float, step 1 of 2: the column (nullable, no default, so
PostgreSQL adds it without rewriting the table). Why: docs/performance.md, "Ninth session:
the oversight dashboard for the administrator"."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0012_drop_fk_indexes_covered_by_composites"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="triage_seconds",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
    ]
