"""Referral identifiers, step 1 of 3: the ciphertext and fingerprint columns, empty; the
plaintext columns may be null from now on (so that the way back can add them before it fills
them). The indexes on the plaintext go first: the encryption step then updates 3M rows
without maintaining them (the lookups they served are not used while migrating).
See referrals.0008 and referrals.0009."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0008_referral_disposed_at"),
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
        migrations.AlterField(
            model_name="referralidentifier",
            name="raw",
            field=models.CharField(max_length=500, null=True),
        ),
        migrations.AlterField(
            model_name="referralidentifier",
            name="normal",
            field=models.CharField(max_length=500, null=True),
        ),
        migrations.RemoveIndex(
            model_name="referralidentifier",
            name="referral_identifier_lookup_idx",
        ),
        migrations.RemoveIndex(
            model_name="referralidentifier",
            name="referral_identifier_name_idx",
        ),
    ]
