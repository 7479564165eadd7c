"""Subjects' descriptions, victims' database references and case notes, step 3 of 3: drop the
plaintext columns; a note's ciphertext is required from now on (a note is never empty).
Backwards, the columns come back empty and cases.0014 fills them."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0014_encrypt_text_values")]

    operations = [
        migrations.RemoveField(model_name="casesubject", name="description"),
        migrations.RemoveField(model_name="victimrecord", name="icse_reference"),
        migrations.RemoveField(model_name="victimrecord", name="national_reference"),
        migrations.RemoveField(model_name="casenote", name="body"),
        migrations.AlterField(
            model_name="casenote",
            name="body_ct",
            field=models.BinaryField(),
        ),
    ]
