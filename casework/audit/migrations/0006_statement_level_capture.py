"""Change capture per statement, with ``changes`` rendered as canonical text by the capture.

The generic row-level ``audit_capture_change`` trigger is replaced by one generated,
statement-level function per table (installed at ``post_migrate`` by ``capture.py``), and the
canonical-bytes trigger learns to take the rendered ``changes`` text from them. The bytes of
every event already stored are unchanged: ``audit_event_canonical`` still writes the same text.

Reversing leaves the new functions in place (they produce the same bytes) and the per-table
triggers working; only the generic function is gone for good.
"""

from django.db import migrations

from casework.audit import sql


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_weekly_review")]

    operations = [
        migrations.RunSQL(
            sql=sql.FUNCTIONS + "\nDROP FUNCTION IF EXISTS audit_capture_change() CASCADE;",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
