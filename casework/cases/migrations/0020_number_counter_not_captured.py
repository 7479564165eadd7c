"""The case-number counter leaves row-by-row capture (issue 26, the ledger's write overhead).

``CaseNumberSequence`` now says ``audit_capture = False``; the capture triggers are installed
after each ``migrate`` for captured tables only and never removed, so this migration drops the
counter's three triggers and its function. Reversing puts them back as capture.py generates them
for the table's columns now. Why the counter needs no events of its own: docs/audit.md, "What is
not captured row by row"; what it cost: docs/performance.md, "Ninth session".
"""

from django.db import migrations

TABLE = "cases_casenumbersequence"


def drop_capture(apps, schema_editor):
    from casework.audit.capture import CAPTURE_TRIGGER_NAMES, capture_function_name

    with schema_editor.connection.cursor() as cursor:
        for name in CAPTURE_TRIGGER_NAMES:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON {TABLE}')
        cursor.execute(f'DROP FUNCTION IF EXISTS "{capture_function_name(TABLE)}"()')


def restore_capture(apps, schema_editor):
    from casework.audit.capture import LEDGER_SEQUENCE, capture_sql, table_columns

    model = apps.get_model("cases", "CaseNumberSequence")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('audit_event_json') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # the ledger's functions are gone too: nothing to capture into
        cursor.execute("SELECT pg_get_serial_sequence('audit_auditevent', 'id')")
        sequence = cursor.fetchone()[0] or LEDGER_SEQUENCE
        columns = table_columns(cursor, [TABLE])[TABLE]
        cursor.execute(capture_sql(model, columns, sequence=sequence))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_case_open_lead_idx"),
        ("audit", "0011_appended_events_and_pairs"),
    ]

    operations = [migrations.RunPython(drop_capture, restore_capture)]
