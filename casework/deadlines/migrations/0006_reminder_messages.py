"""A claim says which message covers each reminder offset (exactly once whatever the chunking).

Rows claimed before this migration each spoke for themselves (the old dedupe key was per
offset), so their message offset is their own offset: nothing already sent is sent again.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0005_reminder_failures"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadlinereminder",
            name="message_offset_seconds",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunSQL(
            "UPDATE deadlines_deadlinereminder SET message_offset_seconds = offset_seconds",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="deadlinereminder",
            name="message_offset_seconds",
            field=models.PositiveIntegerField(
                help_text="The offset whose message covers this one: the nearest of those "
                "claimed together (equal to the offset when it was claimed alone)."
            ),
        ),
        migrations.AddConstraint(
            model_name="deadlinereminder",
            constraint=models.CheckConstraint(
                condition=models.Q(message_offset_seconds__lte=models.F("offset_seconds")),
                name="deadline_reminder_message_nearest",
            ),
        ),
        migrations.AddIndex(
            model_name="deadlinereminder",
            index=models.Index(
                fields=["deadline", "kind", "message_offset_seconds"],
                name="deadline_reminder_message_idx",
            ),
        ),
    ]
