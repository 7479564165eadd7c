"""Safeguarding actions, step 1 of 3: the case of each action (its victim record's, filled in
one set-based UPDATE) and the ciphertext column, empty; the plaintext may be null from now on.
See cases.0017 and cases.0018."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

FILL_CASE = """
    UPDATE cases_safeguardingaction AS a SET case_id = v.case_id
    FROM cases_victimrecord AS v WHERE v.id = a.victim_id AND a.case_id IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_drop_plaintext_text_values")]

    operations = [
        migrations.AddField(
            model_name="safeguardingaction",
            name="case",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="cases.case",
            ),
        ),
        migrations.AddField(
            model_name="safeguardingaction",
            name="action_ct",
            field=models.BinaryField(null=True),
        ),
        migrations.AlterField(
            model_name="safeguardingaction",
            name="action",
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.RunSQL(FILL_CASE, migrations.RunSQL.noop, elidable=False),
    ]
