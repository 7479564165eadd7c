"""Service events are appended through ``audit_event_append`` (its INSERT planned once per
session, not parsed and planned for every event), and ``audit_jcs`` writes an object of
scalar pairs (a ``changes`` document) in one query instead of a call per pair (issue 26).

Both produce the same bytes as before for every event: ``audit_jcs`` was compared with its
previous version on every ``changes`` and ``details`` of the medium benchmark ledger (2,000,000
events) and on the edge cases of ``tests/audit/test_canonical_bytes.py``. Reversing restores
the previous ``audit_jcs`` and drops the function.
"""

from django.db import migrations

from casework.audit import sql

# ``audit_jcs`` as migrations 0003 to 0010 left it, for reversing.
PREVIOUS_JCS = r"""
CREATE OR REPLACE FUNCTION audit_jcs(v jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
-- Recurses only into nested objects and arrays: scalars are written inline, and no SQL-language
-- helper is called (each such call costs more than the whole of a flat object).
DECLARE
    kind text := jsonb_typeof(v);
    result text;
BEGIN
    IF kind = 'object' THEN
        IF v = '{}'::jsonb THEN
            RETURN '{}';
        END IF;
        SELECT '{' || string_agg(to_json(key)::text || ':' || CASE jsonb_typeof(value)
                   WHEN 'object' THEN audit_jcs(value)
                   WHEN 'array' THEN audit_jcs(value)
                   WHEN 'number' THEN CASE
                       WHEN value::numeric = trunc(value::numeric)
                        AND abs(value::numeric) <= 9007199254740991
                       THEN trunc(value::numeric)::text
                       ELSE to_json(value::text)::text END
                   ELSE value::text END, ',' ORDER BY key COLLATE "C") || '}'
          INTO result FROM jsonb_each(v);
        RETURN result;
    ELSIF kind = 'array' THEN
        IF v = '[]'::jsonb THEN
            RETURN '[]';
        END IF;
        SELECT '[' || string_agg(CASE jsonb_typeof(value)
                   WHEN 'object' THEN audit_jcs(value)
                   WHEN 'array' THEN audit_jcs(value)
                   WHEN 'number' THEN CASE
                       WHEN value::numeric = trunc(value::numeric)
                        AND abs(value::numeric) <= 9007199254740991
                       THEN trunc(value::numeric)::text
                       ELSE to_json(value::text)::text END
                   ELSE value::text END, ',' ORDER BY position) || ']'
          INTO result FROM jsonb_array_elements(v) WITH ORDINALITY AS element(value, position);
        RETURN result;
    ELSIF kind = 'number' THEN
        IF v::numeric = trunc(v::numeric) AND abs(v::numeric) <= 9007199254740991 THEN
            RETURN trunc(v::numeric)::text;
        END IF;
        RETURN to_json(v::text)::text;
    END IF;
    -- strings, true, false, null: PostgreSQL's JSON output is already RFC 8785 here.
    RETURN v::text;
END
$fn$;
"""

DROP_APPEND = """
DROP FUNCTION IF EXISTS audit_event_append(
    timestamptz, bigint, text, text, text, text, text, bigint, text, inet, text, text, jsonb,
    jsonb, text);
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0010_auditreview_to_oversight")]

    operations = [migrations.RunSQL(sql=sql.FUNCTIONS, reverse_sql=PREVIOUS_JCS + DROP_APPEND)]
