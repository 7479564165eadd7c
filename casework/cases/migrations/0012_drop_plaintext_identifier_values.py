"""Case identifiers, step 3 of 3: drop the plaintext columns and their indexes; the
ciphertext and fingerprint are required from now on, and lookups use the fingerprint indexes.
The unique rule moves from (case, kind, normal value) to (case, kind, fingerprint): equal values
have equal fingerprints, so it refuses exactly what it refused before."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_encrypt_identifier_values")]

    operations = [
        migrations.AlterModelOptions(
            name="caseidentifier",
            options={"ordering": ["kind", "id"]},
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
