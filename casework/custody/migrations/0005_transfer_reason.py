"""Transfers carry a reason, as check-outs carry a purpose.

Custody events are append-only (migration 0002 refuses UPDATE), so the rows that exist are not
rewritten: the column is added with a neutral placeholder as its value for every existing row,
in the same ALTER TABLE, and the default is then dropped. Reports show the reason on transfers
only, so the placeholder is what an old transfer says ("not recorded"), and nothing else shows
it. New transfers must give a reason (the service, the form, the API and the check below).
"""

from django.db import migrations, models

PLACEHOLDER = "Not recorded (recorded before Casework asked for a reason)"


class Migration(migrations.Migration):
    dependencies = [
        ("custody", "0004_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="custodyevent",
            name="transfer_reason",
            field=models.CharField(
                blank=True,
                default=PLACEHOLDER,
                help_text="Why the item changed hands (transfers).",
                max_length=300,
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="custodyevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "transferred"), _negated=True)
                | models.Q(("transfer_reason", ""), _negated=True),
                name="custody_event_transfer_has_reason",
            ),
        ),
    ]
