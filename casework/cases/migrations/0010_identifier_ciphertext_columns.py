"""Case identifiers, step 1 of 3: the ciphertext and fingerprint columns, empty; the
plaintext columns may be null from now on (so that the way back can add them before it fills
them). The indexes on the plaintext go first: the encryption step then updates 3M rows
without maintaining them (the lookups they served are not used while migrating).
See cases.0010 and cases.0011."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_case_disposed_at"),
        ("privacy", "0001_data_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseidentifier",
            name="raw_value_ct",
            field=models.BinaryField(null=True),
        ),
        migrations.AddField(
            model_name="caseidentifier",
            name="normal_value_ct",
            field=models.BinaryField(null=True),
        ),
        migrations.AddField(
            model_name="caseidentifier",
            name="fingerprint",
            field=models.BinaryField(max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="caseidentifier",
            name="name_fingerprint",
            field=models.BinaryField(blank=True, max_length=32, null=True),
        ),
        migrations.AlterField(
            model_name="caseidentifier",
            name="raw_value",
            field=models.CharField(max_length=500, null=True),
        ),
        migrations.AlterField(
            model_name="caseidentifier",
            name="normal_value",
            field=models.CharField(max_length=500, null=True),
        ),
        migrations.RemoveConstraint(
            model_name="caseidentifier",
            name="case_identifier_unique",
        ),
        migrations.RemoveIndex(
            model_name="caseidentifier",
            name="case_identifier_lookup_idx",
        ),
        migrations.RemoveIndex(
            model_name="caseidentifier",
            name="case_identifier_name_idx",
        ),
    ]
