"""Safeguarding actions, step 2 of 3: encrypt the words already stored under each case's data
key, in batches, resumable (as cases.0014). Backwards, the plaintext is filled again."""

from __future__ import annotations

from django.db import migrations

from casework.privacy.migration import (
    TextLayout,
    decrypt_texts_existing,
    encrypt_texts_existing,
)

LAYOUT = TextLayout(
    table="cases_safeguardingaction",
    scope="case",
    owner="case_id",
    columns=(("action", "action_ct"),),
)


def forwards(apps, schema_editor):
    encrypt_texts_existing(schema_editor.connection, LAYOUT)


def backwards(apps, schema_editor):
    decrypt_texts_existing(schema_editor.connection, LAYOUT)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("cases", "0016_safeguarding_action_case_and_ciphertext")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
