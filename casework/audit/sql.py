"""The PostgreSQL side of the audit ledger: canonical bytes, append-only guard, change capture.

Threat: someone with the application's database credentials (or a careless data migration)
rewrites or removes history. The database itself therefore refuses UPDATE, DELETE and TRUNCATE
on the ledger tables for every role, fixes each event as canonical bytes the moment it is
inserted, and captures every change to a domain table, whatever wrote it (the ORM, a bulk
``update()``, a data migration or raw SQL).

Canonical bytes (format version 1) are RFC 8785 (JSON Canonicalization Scheme) text of the
event document, produced by ``audit_jcs`` below:

* object members sorted by key (``COLLATE "C"``: code-point order, which equals RFC 8785's
  UTF-16 order for every key outside the astral planes; the ledger's keys are ASCII);
* no insignificant white space; strings escaped exactly as RFC 8785 and PostgreSQL's JSON
  output both do (``\\" \\\\ \\b \\f \\n \\r \\t``, other controls as lowercase ``\\u00xx``);
* no floats: integers within +/-(2**53 - 1) are written as integers, any other number is
  written as its exact decimal string (so nothing depends on binary floating point);
* times are UTC with microseconds: ``2026-11-29T14:07:03.123456Z``.

The verifier hashes the bytes that were stored, and checks that the row's columns still say
what the bytes say by recomputing the canonical text from the row (``audit_event_canonical``).
The stored bytes themselves are never re-serialised.

Migrations 0003 and 0004 run ``FUNCTIONS`` as it is now (``CREATE OR REPLACE``): a change here
must keep producing the same bytes for every event already stored, or old events would no
longer verify. Add a new format version instead.
"""

from __future__ import annotations

FORMAT_VERSION = 1

# Which tables are the ledger: all of them refuse UPDATE/DELETE/TRUNCATE.
LEDGER_TABLES = (
    "audit_auditevent",
    "audit_auditseal",
    "audit_auditcheckpoint",
    "audit_auditverification",
)
# Added by later migrations (never change LEDGER_TABLES: migration 0003 reads it).
# ``audit_auditreview`` (migration 0005) is now the table of oversight's ``AuditReview``: the
# model moved, the table and its append-only guard stayed.
LATER_LEDGER_TABLES = (
    "audit_auditreview",
    "audit_audittreenode",
    "audit_auditcosignature",
    "audit_witnessedcheckpoint",
)

# Session settings read by the capture trigger; set by casework.audit.capture.
GUC_ACTOR_ID = "casework.actor_id"
GUC_ACTOR_USERNAME = "casework.actor_username"
GUC_REQUEST_ID = "casework.request_id"
GUC_IP_ADDRESS = "casework.ip_address"
GUC_USER_AGENT = "casework.user_agent"
GUC_REASON = "casework.reason"
# Only ever switched on for a throw-away test database (see capture.install_database_objects):
# Django's test runner empties every table with TRUNCATE between transactional tests.
GUC_ALLOW_TRUNCATE = "casework.audit_allow_truncate"

# The event document built from the row's columns, inline (a call to a SQL-language function
# per row costs more than the whole comparison). Used by the verifier's fast check: it equals
# the parsed sealed bytes unless a column was edited or ``changes``/``details`` hold numbers
# that the canonical form writes as strings (those rows get the exact, slower check).
EVENT_JSON = """jsonb_build_object(
    'v', 1, 'id', e.id,
    'occurred_at', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'actor_id', e.actor_id, 'actor_username', e.actor_username, 'action', e.action,
    'outcome', e.outcome, 'object_type', e.object_type, 'object_id', e.object_id,
    'case_id', e.case_id, 'request_id', e.request_id, 'ip_address', host(e.ip_address),
    'user_agent', e.user_agent, 'reason', e.reason, 'changes', e.changes,
    'details', e.details, 'source', e.source)"""

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION audit_jcs(v jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
-- Recurses only into nested objects and arrays: scalars are written inline, and no SQL-language
-- helper is called (each such call costs more than the whole of a flat object). An object
-- whose members are all pairs of scalars (``changes``: [before, after] per field) is written
-- by a query of its own, without a call per pair; other objects by the general query, whose
-- larger expression would cost a flat object more than it saves.
DECLARE
    kind text := jsonb_typeof(v);
    result text;
BEGIN
    IF kind = 'object' THEN
        IF v = '{}'::jsonb THEN
            RETURN '{}';
        END IF;
        IF NOT jsonb_path_exists(v, 'strict $.* ? (@.type() != "array" || @.size() != 2)',
                                 '{}', true)
           AND NOT jsonb_path_exists(v, 'strict $.*[*] ? (@.type() == "array"
                                                          || @.type() == "object")', '{}', true)
        THEN
            SELECT '{' || string_agg(to_json(key)::text || ':['
                   || (CASE jsonb_typeof((value -> 0)) WHEN 'number' THEN CASE
                        WHEN (value -> 0)::numeric = trunc((value -> 0)::numeric)
                         AND abs((value -> 0)::numeric) <= 9007199254740991
                        THEN trunc((value -> 0)::numeric)::text
                        ELSE to_json((value -> 0)::text)::text END
                    ELSE (value -> 0)::text END)
                   || ',' || (CASE jsonb_typeof((value -> 1)) WHEN 'number' THEN CASE
                        WHEN (value -> 1)::numeric = trunc((value -> 1)::numeric)
                         AND abs((value -> 1)::numeric) <= 9007199254740991
                        THEN trunc((value -> 1)::numeric)::text
                        ELSE to_json((value -> 1)::text)::text END
                    ELSE (value -> 1)::text END) || ']',
                                     ',' ORDER BY key COLLATE "C") || '}'
              INTO result FROM jsonb_each(v);
            RETURN result;
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

-- The event's canonical text. Members are written in RFC 8785 order by hand (the keys are
-- fixed), so only ``changes`` and ``details`` go through the general canonicaliser.
CREATE OR REPLACE FUNCTION audit_event_canonical(e audit_auditevent) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
BEGIN
    RETURN '{"action":' || to_json(e.action)::text
        || ',"actor_id":' || coalesce(e.actor_id::text, 'null')
        || ',"actor_username":' || to_json(e.actor_username)::text
        || ',"case_id":' || coalesce(e.case_id::text, 'null')
        || ',"changes":' || CASE WHEN e.changes IS NULL OR e.changes = '{}'::jsonb
                                 THEN '{}' ELSE audit_jcs(e.changes) END
        || ',"details":' || CASE WHEN e.details IS NULL OR e.details = '{}'::jsonb
                                 THEN '{}' ELSE audit_jcs(e.details) END
        || ',"id":' || e.id::text
        || ',"ip_address":' || coalesce(to_json(host(e.ip_address))::text, 'null')
        || ',"object_id":' || to_json(e.object_id)::text
        || ',"object_type":' || to_json(e.object_type)::text
        || ',"occurred_at":"'
        || to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
        || ',"outcome":' || to_json(e.outcome)::text
        || ',"reason":' || to_json(e.reason)::text
        || ',"request_id":' || to_json(e.request_id)::text
        || ',"source":' || to_json(e.source)::text
        || ',"user_agent":' || to_json(e.user_agent)::text
        || ',"v":1}';
END
$fn$;

-- The same document as JSON, for explaining which column differs from the sealed bytes.
CREATE OR REPLACE FUNCTION audit_event_document(e audit_auditevent) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
    SELECT audit_event_canonical(e)::jsonb
$fn$;

-- The event as a JSON value built from its columns: what its canonical text must parse to.
CREATE OR REPLACE FUNCTION audit_event_json(e audit_auditevent) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
    SELECT EVENT_JSON
$fn$;

CREATE OR REPLACE FUNCTION audit_event_fix_bytes() RETURNS trigger
LANGUAGE plpgsql AS $fn$
-- Whatever the client sent, the bytes are computed here, once. One exception: an insert made by
-- a change-capture function (trigger depth above 1, source 'database': see capture.py) keeps
-- the canonical text that function rendered from the same values it inserts. A client cannot
-- insert at trigger depth above 1 without installing a trigger of its own (DDL rights that
-- production does not grant), and the verifier recomputes every event's text from its columns
-- and reports any row whose bytes say something else (ADR 0001, decision 8).
BEGIN
    IF NEW.canonical IS NOT NULL AND pg_trigger_depth() > 1 AND NEW.source = 'database' THEN
        RETURN NEW;
    END IF;
    NEW.canonical := convert_to(audit_event_canonical(NEW), 'UTF8');
    RETURN NEW;
END
$fn$;

-- One service event (``audit_record``), appended with the plan this session already made: sent
-- as an INSERT with its values written in, each event was parsed and planned afresh. The
-- bytes are still computed from the row by ``audit_event_fix_bytes``.
CREATE OR REPLACE FUNCTION audit_event_append(
    occurred_at timestamptz, actor_id bigint, actor_username text, action text, outcome text,
    object_type text, object_id text, case_id bigint, request_id text, ip_address inet,
    user_agent text, reason text, changes jsonb, details jsonb, source text) RETURNS bigint
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    appended bigint;
BEGIN
    INSERT INTO audit_auditevent (occurred_at, actor_id, actor_username, action, outcome,
        object_type, object_id, case_id, request_id, ip_address, user_agent, reason, changes,
        details, source)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
    RETURNING id INTO appended;
    RETURN appended;
END
$fn$;

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('casework.audit_allow_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit events are corrected by recording a new event, never by editing.';
END
$fn$;
""".replace("EVENT_JSON", EVENT_JSON)

DROP_FUNCTIONS = r"""
DROP FUNCTION IF EXISTS audit_capture_change() CASCADE;
DO $do$
DECLARE f regprocedure;
BEGIN
    -- The per-table capture functions (capture.py) and, with CASCADE, their triggers.
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.proname LIKE 'audit\_capture\_%' AND p.pronargs = 0 LOOP
        EXECUTE 'DROP FUNCTION ' || f || ' CASCADE';
    END LOOP;
END
$do$;
DROP FUNCTION IF EXISTS audit_event_append(
    timestamptz, bigint, text, text, text, text, text, bigint, text, inet, text, text, jsonb,
    jsonb, text);
DROP FUNCTION IF EXISTS audit_event_json(audit_auditevent);
DROP FUNCTION IF EXISTS audit_refuse_change() CASCADE;
DROP FUNCTION IF EXISTS audit_event_fix_bytes() CASCADE;
DROP FUNCTION IF EXISTS audit_event_document(audit_auditevent);
DROP FUNCTION IF EXISTS audit_event_canonical(audit_auditevent);
DROP FUNCTION IF EXISTS audit_needs_normalising(jsonb);
DROP FUNCTION IF EXISTS audit_jcs(jsonb);
"""

FIX_BYTES_TRIGGER = """
CREATE TRIGGER audit_fix_bytes BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_fix_bytes();
"""
DROP_FIX_BYTES_TRIGGER = "DROP TRIGGER IF EXISTS audit_fix_bytes ON audit_auditevent;"


def append_only_sql(table: str) -> str:
    return f"""
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""


def drop_append_only_sql(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS audit_append_only ON {table};
DROP TRIGGER IF EXISTS audit_append_only_truncate ON {table};
"""
