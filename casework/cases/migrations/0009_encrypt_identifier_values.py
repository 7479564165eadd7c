"""Case identifiers: values encrypted under the case's data key, lookups by keyed fingerprint.

Adds the ciphertext and fingerprint columns, fills them batch by batch (casework/privacy/
migration.py: 5,000 rows a batch), then drops the plaintext columns and their indexes. The
unique rule moves from (case, kind, normal value) to (case, kind, fingerprint): equal values
have equal fingerprints, so it refuses exactly what it refused before.
"""

from __future__ import annotations

from django.db import migrations, models

from casework.privacy.migration import Layout, decrypt_existing, encrypt_existing

LAYOUT = Layout(
    table="cases_caseidentifier",
    scope="case",
    owner="case_id",
    raw="raw_value",
    normal="normal_value",
    raw_ct="raw_value_ct",
    normal_ct="normal_value_ct",
)


def forwards(apps, schema_editor):
    encrypt_existing(schema_editor.connection, LAYOUT)


def backwards(apps, schema_editor):
    decrypt_existing(schema_editor.connection, LAYOUT)


class Migration(migrations.Migration):
    atomic = False  # each batch commits: a national database is not one 3M-row transaction

    dependencies = [
        ("cases", "0008_merge_and_transfer"),
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
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.AlterModelOptions(
            name="caseidentifier",
            options={"ordering": ["kind", "id"]},
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
        migrations.RemoveField(model_name="caseidentifier", name="normal_value"),
        migrations.RemoveField(model_name="caseidentifier", name="raw_value"),
        migrations.AlterField(
            model_name="caseidentifier",
            name="raw_value_ct",
            field=models.BinaryField(),
        ),
        migrations.AlterField(
            model_name="caseidentifier",
            name="normal_value_ct",
            field=models.BinaryField(),
        ),
        migrations.AlterField(
            model_name="caseidentifier",
            name="fingerprint",
            field=models.BinaryField(max_length=32),
        ),
        migrations.AddIndex(
            model_name="caseidentifier",
            index=models.Index(
                fields=["kind", "fingerprint", "case"], name="case_identifier_fp_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="caseidentifier",
            index=models.Index(
                condition=models.Q(name_fingerprint__isnull=False),
                fields=["kind", "name_fingerprint"],
                name="case_identifier_name_fp_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="caseidentifier",
            constraint=models.UniqueConstraint(
                fields=("case", "kind", "fingerprint"), name="case_identifier_unique_fp"
            ),
        ),
    ]
