"""The oversight deadline figures read a supervisor's need-to-know from the index (issue 26).

With the case, the referral and the owner in the two dashboard indexes, a supervisor's counts
of a year of clocks test each clock's case and referral against the sets they may see without
reading the table row by row. Each index is dropped and built again under its name,
CONCURRENTLY (no lock on writes; the migration runs outside a transaction).
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deadlines", "0006_reminder_messages"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="deadline", name="deadline_unit_due_idx"),
        AddIndexConcurrently(
            model_name="deadline",
            index=models.Index(
                fields=["unit", "due_at"],
                include=["kind", "state", "closed_at", "case", "referral", "owner"],
                name="deadline_unit_due_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="deadline", name="deadline_unit_overdue_idx"),
        AddIndexConcurrently(
            model_name="deadline",
            index=models.Index(
                fields=["unit", "due_at"],
                include=["owner", "case", "referral"],
                condition=models.Q(state__in=["open", "missed"]),
                name="deadline_unit_overdue_idx",
            ),
        ),
    ]
