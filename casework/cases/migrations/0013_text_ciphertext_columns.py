"""Subjects' descriptions, victims' database references and case notes, step 1 of 3: the
ciphertext columns, empty; the plaintext columns may be null or empty from now on (so that
the way back can add them before it fills them). See cases.0014 and cases.0015."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_drop_plaintext_identifier_values")]

    operations = [
        migrations.AddField(
            model_name="casesubject",
            name="description_ct",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="victimrecord",
            name="icse_reference_ct",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="victimrecord",
            name="national_reference_ct",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="casenote",
            name="body_ct",
            field=models.BinaryField(null=True),
        ),
        migrations.AlterField(
            model_name="casenote",
            name="body",
            field=models.TextField(null=True),
        ),
    ]
