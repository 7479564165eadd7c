"""Referral identifiers, step 3 of 3: drop the plaintext columns and their indexes; the
ciphertext and fingerprint are required from now on, and lookups use the fingerprint indexes."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("referrals", "0010_encrypt_identifier_values")]

    operations = [
        migrations.RemoveField(model_name="referralidentifier", name="normal"),
        migrations.RemoveField(model_name="referralidentifier", name="raw"),
        migrations.AlterField(
            model_name="referralidentifier",
            name="raw_ct",
            field=models.BinaryField(),
        ),
        migrations.AlterField(
            model_name="referralidentifier",
            name="normal_ct",
            field=models.BinaryField(),
        ),
        migrations.AlterField(
            model_name="referralidentifier",
            name="fingerprint",
            field=models.BinaryField(max_length=32),
        ),
        migrations.AddIndex(
            model_name="referralidentifier",
            index=models.Index(fields=["kind", "fingerprint"], name="referral_identifier_fp_idx"),
        ),
        migrations.AddIndex(
            model_name="referralidentifier",
            index=models.Index(
                condition=models.Q(name_fingerprint__isnull=False),
                fields=["kind", "name_fingerprint"],
                name="referral_ident_name_fp_idx",
            ),
        ),
    ]
