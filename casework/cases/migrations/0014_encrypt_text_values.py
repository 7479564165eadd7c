"""Subjects' descriptions, victims' database references and case notes, step 2 of 3: encrypt
the texts already stored under each case's data key, 5,000 rows a batch, each batch committed
on its own (``atomic = False``), resumable (casework/privacy/migration.py). Notes are
append-only (a trigger refuses UPDATE): the trigger is off only while their ciphertext is
filled, and on again even when the step fails. Backwards, the plaintext is filled again."""

from __future__ import annotations

from django.db import migrations

from casework.privacy.migration import (
    TextLayout,
    decrypt_texts_existing,
    encrypt_texts_existing,
)

LAYOUTS = (
    TextLayout(
        table="cases_casesubject",
        scope="case",
        owner="case_id",
        columns=(("description", "description_ct"),),
    ),
    TextLayout(
        table="cases_victimrecord",
        scope="case",
        owner="case_id",
        columns=(
            ("icse_reference", "icse_reference_ct"),
            ("national_reference", "national_reference_ct"),
        ),
    ),
    TextLayout(
        table="cases_casenote", scope="case", owner="case_id", columns=(("body", "body_ct"),)
    ),
)
APPEND_ONLY = "ALTER TABLE cases_casenote {} TRIGGER cases_note_append_only"


def _each(schema_editor, step) -> None:
    connection = schema_editor.connection
    for layout in LAYOUTS:
        if layout.table != "cases_casenote":
            step(connection, layout)
            continue
        with connection.cursor() as cursor:
            cursor.execute(APPEND_ONLY.format("DISABLE"))
        try:
            step(connection, layout)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(APPEND_ONLY.format("ENABLE"))


def forwards(apps, schema_editor):
    _each(schema_editor, encrypt_texts_existing)


def backwards(apps, schema_editor):
    _each(schema_editor, decrypt_texts_existing)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("cases", "0013_text_ciphertext_columns")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
