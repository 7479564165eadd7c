"""Each open clock's next reminder time moves to a narrow table of its own (issue 26).

The sweep moves that time on every claim; while it was a column of ``deadlines_deadline``
(indexed, for the sweep to find), every claimed clock rewrote the whole wide row and an entry
in each of its seventeen indexes. The times of open clocks are copied across, then the column
and its index go. Reversing copies them back.
"""

import django.db.models.deletion
from django.db import migrations, models

COPY_FORWARD = """
INSERT INTO deadlines_reminderschedule (deadline_id, next_reminder_at)
SELECT id, next_reminder_at FROM deadlines_deadline
 WHERE state = 'open' AND next_reminder_at IS NOT NULL
"""
COPY_BACK = """
UPDATE deadlines_deadline AS d SET next_reminder_at = s.next_reminder_at
  FROM deadlines_reminderschedule AS s WHERE s.deadline_id = d.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0011_drop_fk_indexes_covered_by_composites"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReminderSchedule",
            fields=[
                (
                    "deadline",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="reminder_schedule",
                        serialize=False,
                        to="deadlines.deadline",
                    ),
                ),
                ("next_reminder_at", models.DateTimeField()),
            ],
        ),
        migrations.RunSQL(COPY_FORWARD, COPY_BACK),
        migrations.AddIndex(
            model_name="reminderschedule",
            index=models.Index(fields=["next_reminder_at"], name="reminder_schedule_due_idx"),
        ),
        migrations.RemoveIndex(
            model_name="deadline",
            name="deadline_reminder_due_idx",
        ),
        migrations.RemoveField(
            model_name="deadline",
            name="next_reminder_at",
        ),
    ]
