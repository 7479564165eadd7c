"""The administrators' all-units figures as computed by the scheduler (issue 26).

A new, empty table, not captured by the ledger (``FigureSnapshot.audit_capture = False``: the
capture triggers are installed after ``migrate`` for captured tables only). Reverses by dropping
it; the page then computes every view at the request, as before.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0002_auditreview_from_audit"),
    ]

    operations = [
        migrations.CreateModel(
            name="FigureSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=120, unique=True)),
                ("computed_at", models.DateTimeField()),
                ("compute_ms", models.PositiveIntegerField()),
                ("tables", models.JSONField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["computed_at"], name="figure_snapshot_computed_idx")
                ],
            },
        ),
    ]
