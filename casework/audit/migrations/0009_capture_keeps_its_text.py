"""Captured events keep the canonical text their capture function rendered; no actor_id index.

``audit_event_fix_bytes`` no longer re-parses the text a change-capture function hands over
(about 15 µs a captured row): an insert at trigger depth above 1 with source 'database' keeps
it, and ``verify_audit`` recomputes every event's text from its columns as before (ADR 0001,
decision 8). The index on ``actor_id`` served no query, yet every captured row wrote an entry
into it; dropping it is instant, reversing rebuilds it (2.2 s for 2M events at medium). Bytes
already stored are unchanged.
"""

from django.conf import settings
from django.db import migrations, models

from casework.audit import sql

# The function as migrations 0006 to 0008 left it, for reversing.
PREVIOUS_FIX_BYTES = r"""
CREATE OR REPLACE FUNCTION audit_event_fix_bytes() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF NEW.canonical IS NOT NULL AND pg_trigger_depth() > 1
       AND convert_from(NEW.canonical, 'UTF8')::jsonb = audit_event_json(NEW) THEN
        RETURN NEW;
    END IF;
    NEW.canonical := convert_to(audit_event_canonical(NEW), 'UTF8');
    RETURN NEW;
END
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_log_tiles_and_witnesses")]

    operations = [
        migrations.RunSQL(sql=sql.FUNCTIONS, reverse_sql=PREVIOUS_FIX_BYTES),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=models.deletion.DO_NOTHING,
                related_name="audit_events",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
