"""Data keys leave the ledger's change capture (issue 26; docs/privacy.md, "What the ledger
records of data keys"). Their one secret column was already redacted, so a captured row said
only that a key exists; a referral's or case's own events imply its key, and destroying or
re-wrapping keys is recorded by the service's own event (``data_key.destroy``, ``kek.rotate``).

Forwards drops the table's capture triggers and function (``casework.audit.capture`` skips a
model with ``audit_capture = False`` from now on); backwards puts them back as the capture
generates them."""

from __future__ import annotations

from django.db import migrations

TABLE = "privacy_datakey"


def drop_capture(apps, schema_editor):
    from casework.audit.capture import CAPTURE_TRIGGER_NAMES, capture_function_name

    with schema_editor.connection.cursor() as cursor:
        for name in CAPTURE_TRIGGER_NAMES:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON {TABLE}')
        cursor.execute(f'DROP FUNCTION IF EXISTS "{capture_function_name(TABLE)}"()')


def restore_capture(apps, schema_editor):
    from casework.audit.capture import capture_sql, table_columns

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('audit_auditevent') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # the ledger is gone already: nothing to capture into
        cursor.execute("SELECT pg_get_serial_sequence('audit_auditevent', 'id')")
        sequence = cursor.fetchone()[0]
        columns = table_columns(cursor, [TABLE])[TABLE]
        cursor.execute(capture_sql(apps.get_model("privacy", "DataKey"), columns, sequence=sequence))


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_data_keys"),
        ("audit", "0010_auditreview_to_oversight"),
    ]

    operations = [migrations.RunPython(drop_capture, restore_capture)]
