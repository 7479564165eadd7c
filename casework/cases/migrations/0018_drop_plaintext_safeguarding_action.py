"""Safeguarding actions, step 3 of 3: drop the plaintext; the case and the ciphertext are
required from now on."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0017_encrypt_safeguarding_actions")]

    operations = [
        migrations.RemoveField(model_name="safeguardingaction", name="action"),
        migrations.AlterField(
            model_name="safeguardingaction",
            name="action_ct",
            field=models.BinaryField(),
        ),
        migrations.AlterField(
            model_name="safeguardingaction",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.case"
            ),
        ),
    ]
