"""Referral identifiers: values encrypted under the referral's data key, lookups by keyed
fingerprint (same steps as cases.0009: add, fill in batches, drop the plaintext)."""

from __future__ import annotations

from django.db import migrations, models

from casework.privacy.migration import Layout, decrypt_existing, encrypt_existing

LAYOUT = Layout(
    table="referrals_referralidentifier",
    scope="referral",
    owner="referral_id",
    raw="raw",
    normal="normal",
    raw_ct="raw_ct",
    normal_ct="normal_ct",
)


def forwards(apps, schema_editor):
    encrypt_existing(schema_editor.connection, LAYOUT)


def backwards(apps, schema_editor):
    decrypt_existing(schema_editor.connection, LAYOUT)


class Migration(migrations.Migration):
    atomic = False  # each batch commits: a national database is not one 3M-row transaction

    dependencies = [
        ("referrals", "0006_search_indexes"),
        ("privacy", "0001_data_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="referralidentifier",
            name="raw_ct",
            field=models.BinaryField(null=True),
        ),
        migrations.AddField(
            model_name="referralidentifier",
            name="normal_ct",
            field=models.BinaryField(null=True),
        ),
        migrations.AddField(
            model_name="referralidentifier",
            name="fingerprint",
            field=models.BinaryField(max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="referralidentifier",
            name="name_fingerprint",
            field=models.BinaryField(blank=True, max_length=32, null=True),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RemoveIndex(
            model_name="referralidentifier",
            name="referral_identifier_lookup_idx",
        ),
        migrations.RemoveIndex(
            model_name="referralidentifier",
            name="referral_identifier_name_idx",
        ),
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
