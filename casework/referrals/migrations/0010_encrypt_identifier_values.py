"""Referral identifiers, step 2 of 3: encrypt and fingerprint the values already stored,
5,000 rows a batch, each batch committed on its own (``atomic = False``): a national database is
not one 3M-row transaction, and a run stopped half-way resumes where it stopped
(casework/privacy/migration.py). Backwards, the plaintext columns are filled again."""

from __future__ import annotations

from django.db import migrations

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
    atomic = False

    dependencies = [("referrals", "0009_identifier_ciphertext_columns")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
