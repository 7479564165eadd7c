"""Database-level capture of every change to a domain record, with who, which request and why.

Threat: a change that bypasses the services (a bulk ``update()``, a data migration, raw SQL in a
shell) would otherwise leave no trace. Every table of every Casework app gets statement-level
triggers whose function, generated here from the table's columns, writes one ledger event per
changed row with the field-level before/after, in the same transaction as the change
(ADR 0001, decision 7: why per statement and why the canonical text is rendered here).

The triggers learn the acting user, request id, IP, user agent and stated reason from session
settings (``casework.actor_id`` …). They are pushed by a database execute-wrapper just before
the first query that runs under a new context, so no request pays more than one extra round
trip, and they are re-pushed if the transaction that set them rolled back (PostgreSQL undoes a
``set_config`` with the transaction). Who the actor is comes from ``AuditActorMiddleware`` in a
request, or from ``acting_user(user)`` in commands and tasks.

Tables are discovered at ``post_migrate``, so a model added by any app is covered as soon as its
migration runs, without a list to keep up to date; a table whose columns changed gets its
function regenerated.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.apps import apps
from django.db import connections, models

from casework.core import context

from . import sql

logger = logging.getLogger(__name__)

AUDIT_APP_LABEL = "audit"
# Values that must never be copied into the ledger, whatever table they are on.
# ``wrapped_key``: a data key copied into the append-only ledger could never be destroyed, so
# crypto-shredding (casework/privacy) would shred nothing.
REDACTED_COLUMNS = ("password", "secret", "token", "otp_secret", "wrapped_key")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str


_NOBODY = Actor(None, "")
_actor: ContextVar[Actor | None] = ContextVar("casework_audit_actor", default=None)


def actor_of(user) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return _NOBODY
    return Actor(user.pk, user.get_username())


def current_actor() -> Actor:
    return _actor.get() or _NOBODY


@contextlib.contextmanager
def acting_user(user) -> Iterator[Actor]:
    """Attribute database changes made inside the block to ``user`` (commands, tasks, tests)."""
    token = _actor.set(actor_of(user))
    try:
        yield _actor.get()
    finally:
        _actor.reset(token)


def bind_actor(user) -> None:
    """Attribute the rest of this request's changes to ``user``, once it is known later than the
    middleware ran (an API token is read by the view). The middleware's ``acting_user`` block
    restores the previous actor when the request ends."""
    _actor.set(actor_of(user))


class AuditActorMiddleware:
    """Bind the signed-in user for the capture trigger. Goes after AuthenticationMiddleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with acting_user(getattr(request, "user", None)):
            return self.get_response(request)


# --- pushing the context to the database session ------------------------------------------


def _state() -> tuple:
    request = context.current()
    actor = current_actor()
    return (
        "" if actor.user_id is None else str(actor.user_id),
        actor.username,
        request.request_id,
        request.ip_address or "",
        request.user_agent,
        request.reason,
    )


_PUSH = (
    "SELECT set_config('casework.actor_id', %s, false), "
    "set_config('casework.actor_username', %s, false), "
    "set_config('casework.request_id', %s, false), "
    "set_config('casework.ip_address', %s, false), "
    "set_config('casework.user_agent', %s, false), "
    "set_config('casework.reason', %s, false)"
)


class _Pushed:
    """What this connection's session settings hold, and whether a rollback could undo it."""

    __slots__ = ("marker", "state")

    def __init__(self, state: tuple) -> None:
        self.state = state
        self.marker = None  # the on_commit callback while the transaction that set it is open

    def __call__(self) -> None:  # on_commit: the settings are now durable for the session
        self.marker = None


def _still_valid(connection, pushed: _Pushed | None, state: tuple) -> bool:
    if pushed is None or pushed.state != state:
        return False
    if pushed.marker is None:
        return True
    # Set inside a transaction: valid while that transaction (and savepoint) is still open,
    # which Django tells us by keeping our on_commit callback queued.
    return connection.in_atomic_block and any(
        entry[1] is pushed for entry in connection.run_on_commit
    )


# Statements that cannot change a row need no context (and ``SET TRANSACTION`` must come first
# in its transaction): skipping them spares read-only requests the extra round trip.
_READ_ONLY_PREFIXES = ("SELECT", "SET ", "SHOW ", "SAVEPO", "RELEAS", "ROLLBA", "BEGIN", "COMMIT")


def _wrapper(execute, sql_text, params, many, call_context):
    if isinstance(sql_text, str) and sql_text.lstrip()[:6].upper().startswith(_READ_ONLY_PREFIXES):
        return execute(sql_text, params, many, call_context)
    connection = call_context["connection"]
    state = _state()
    pushed = getattr(connection, "_audit_pushed", None)
    if not _still_valid(connection, pushed, state):
        pushed = _Pushed(state)
        connection._audit_pushed = pushed
        with connection.cursor() as cursor:
            cursor.execute(_PUSH, list(state))
        if connection.in_atomic_block:
            pushed.marker = pushed
            connection.on_commit(pushed)
    return execute(sql_text, params, many, call_context)


def install_wrapper(sender, connection, **kwargs) -> None:
    """``connection_created`` handler: every query of the connection passes through us."""
    if connection.vendor == "postgresql" and _wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_wrapper)


# --- installing the triggers -----------------------------------------------------------------


def captured_models() -> list[type[models.Model]]:
    """Every concrete table of the Casework apps except the ledger itself, M2M tables included."""
    found: list[type[models.Model]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("casework.") or config.label == AUDIT_APP_LABEL:
            continue
        for model in config.get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed or meta.swapped:
                continue
            # A bulk table derived from an audited act (ten million pointers copied in by one
            # audited import) opts out: a ledger event per row would dwarf the ledger.
            if getattr(model, "audit_capture", True) is False:
                continue
            found.append(model)
    return found


def _case_column(model: type[models.Model]) -> str:
    if model._meta.label_lower == "cases.case":
        return model._meta.pk.column
    candidates = [
        field
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.many_to_one
        and field.related_model is not None
        and field.related_model._meta.label_lower == "cases.case"
    ]
    candidates.sort(key=lambda field: field.name != "case")
    return candidates[0].column if candidates else ""


@dataclass(frozen=True)
class Column:
    name: str
    type_name: str  # pg_type.typname
    category: str  # pg_type.typcategory
    element: str = ""  # an array's element type name


_COLUMNS = """
SELECT c.relname, a.attname, t.typname, t.typcategory, coalesce(element.typname, '')
  FROM pg_attribute AS a
  JOIN pg_class AS c ON c.oid = a.attrelid
  JOIN pg_type AS t ON t.oid = a.atttypid
  LEFT JOIN pg_type AS element ON element.oid = t.typelem AND t.typcategory = 'A'
 WHERE a.attrelid = ANY(%s::regclass[]) AND a.attnum > 0 AND NOT a.attisdropped
"""


def table_columns(cursor, tables: list[str]) -> dict[str, list[Column]]:
    """The columns of each of ``tables``, with their types, in one catalog query (install runs
    after each test-database flush too)."""
    cursor.execute(_COLUMNS, [[cursor.db.ops.quote_name(table) for table in tables]])
    found: dict[str, list[Column]] = {}
    for table, *column in cursor.fetchall():
        found.setdefault(table, []).append(Column(*column))
    return found


_MAX_SAFE_INTEGER = "9007199254740991"
# The ledger's id sequence as ``pg_get_serial_sequence`` names it (install asks the database).
LEDGER_SEQUENCE = "public.audit_auditevent_id_seq"
# Arrays of these are written by PostgreSQL's JSON output exactly as RFC 8785 writes them.
_PLAIN_ELEMENTS = ("int2", "int4", "text", "varchar", "bool", "uuid", "date", "timestamptz")


def _render(value: str, column: Column) -> str:
    """SQL for the RFC 8785 text of one column value, as ``audit_jcs(to_jsonb(value))`` writes
    it, but without its per-value function calls (format version 1: integers beyond 2**53 - 1
    and non-integers are written as decimal strings)."""
    if column.name in REDACTED_COLUMNS:
        return "'\"[redacted]\"'"
    if column.type_name in ("int2", "int4"):
        return f"coalesce({value}::text, 'null')"
    if column.type_name == "int8":
        return (
            f"CASE WHEN {value} IS NULL THEN 'null' "
            f"WHEN abs({value}) <= {_MAX_SAFE_INTEGER} THEN {value}::text "
            f"ELSE to_json({value}::text)::text END"
        )
    if column.type_name in ("numeric", "float4", "float8"):
        number = f"{value}::numeric"
        return (
            f"CASE WHEN {value} IS NULL THEN 'null' "
            f"WHEN {number} = trunc({number}) AND abs({number}) <= {_MAX_SAFE_INTEGER} "
            f"THEN trunc({number})::text ELSE to_json({number}::text)::text END"
        )
    if column.category == "A" and column.element in _PLAIN_ELEMENTS:
        return f"coalesce(to_json({value})::text, 'null')"
    if column.type_name in ("json", "jsonb") or column.category in ("A", "C"):
        return f"CASE WHEN {value} IS NULL THEN 'null' ELSE audit_jcs(to_jsonb({value})) END"
    # Strings, booleans, times, uuid, inet…: PostgreSQL's JSON text is already RFC 8785 here.
    return f"coalesce(to_json({value})::text, 'null')"


def _differs(column: Column) -> str:
    if column.type_name in ("json", "xml") or column.category in ("G", "X", "P"):
        # No equality operator for these types: compare their text.
        return f"o.{_q(column.name)}::text IS DISTINCT FROM n.{_q(column.name)}::text"
    return f"o.{_q(column.name)} IS DISTINCT FROM n.{_q(column.name)}"


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _key(column: Column) -> str:
    # The member name as JSON text inside a SQL literal (column names are plain ASCII).
    return json.dumps(column.name).replace("'", "''")


def _changes_sql(columns: list[Column], operation: str) -> str:
    """The ``changes`` document of one row as canonical text: members sorted by code point."""
    parts = []
    for column in sorted(columns, key=lambda c: c.name):
        key = _key(column)
        old = _render(f"o.{_q(column.name)}", column)
        new = _render(f"n.{_q(column.name)}", column)
        if operation == "INSERT":
            parts.append(f"'{key}:[null,' || {new} || ']'")
        elif operation == "DELETE":
            parts.append(f"'{key}:[' || {old} || ',null]'")
        else:
            parts.append(
                f"CASE WHEN {_differs(column)} THEN '{key}:[' || {old} || ',' || {new} || ']' END"
            )
    joined = ",\n            ".join(parts)
    return f"'{{' || concat_ws(',',\n            {joined}) || '}}'"


def capture_function_name(table: str) -> str:
    name = f"audit_capture_{table}"
    if len(name) <= 63:
        return name
    digest = hashlib.sha1(table.encode()).hexdigest()[:8]
    return f"{name[:54]}_{digest}"


# One ledger event per row of the statement's transition table, its canonical text rendered
# inline (see ``capture_function_body``).
_LEDGER_INSERT = """
        INSERT INTO audit_auditevent (
            id, occurred_at, actor_id, actor_username, action, outcome, object_type, object_id,
            case_id, request_id, ip_address, user_agent, reason, changes, details, source,
            canonical)
        SELECT r.id, r.at, actor, username, {action}, 'succeeded', label, r.pk::text,
               r.case_id, request, address, agent, why, r.doc::jsonb, details, 'database',
               convert_to('{{"action":"' || {action} || '",' || who
                   || coalesce(r.case_id::text, 'null') || ',"changes":' || r.doc
                   || between_changes_and_id || r.id::text
                   || between_id_and_object_id || to_json(r.pk::text)::text
                   || between_object_id_and_time
                   || to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                   || after_time, 'UTF8')
          FROM (SELECT nextval('{sequence}'::regclass) AS id, clock_timestamp() AS at, s.*
                  FROM ({rows}) AS s {where}ORDER BY s.pk) AS r;"""

# The trigger function: the session's actor, request and reason read once per statement, the
# members of the canonical text that every row shares built once, then one insert per operation.
_CAPTURE_FUNCTION = """
DECLARE
    label text := '{label}';
    actor_text text := nullif(current_setting('casework.actor_id', true), '');
    actor bigint := CASE WHEN actor_text ~ '^[0-9]+$' THEN actor_text::bigint END;
    username text := coalesce(current_setting('casework.actor_username', true), '');
    request text := coalesce(current_setting('casework.request_id', true), '');
    address inet := nullif(current_setting('casework.ip_address', true), '')::inet;
    agent text := coalesce(current_setting('casework.user_agent', true), '');
    why text := coalesce(current_setting('casework.reason', true), '');
    -- ``details`` written in canonical member order, then parsed once.
    details_text text := '{{"application":'
        || coalesce(to_json(current_setting('application_name', true))::text, 'null')
        || ',"database_user":' || to_json(session_user::text)::text
        || ',"operation":' || to_json(TG_OP)::text || ',"table":' || to_json(TG_TABLE_NAME)::text
        || '}}';
    details jsonb := details_text::jsonb;
    -- The members of the canonical text that are the same for every row of the statement.
    who text := '"actor_id":' || coalesce(actor::text, 'null')
        || ',"actor_username":' || to_json(username)::text || ',"case_id":';
    between_changes_and_id text := ',"details":' || details_text || ',"id":';
    between_id_and_object_id text := ',"ip_address":'
        || coalesce(to_json(host(address))::text, 'null') || ',"object_id":';
    between_object_id_and_time text := ',"object_type":' || to_json(label)::text
        || ',"occurred_at":"';
    after_time text := '","outcome":"succeeded","reason":' || to_json(why)::text
        || ',"request_id":' || to_json(request)::text
        || ',"source":"database","user_agent":' || to_json(agent)::text || ',"v":1}}';
BEGIN
    IF TG_OP = 'INSERT' THEN{inserted}
    ELSIF TG_OP = 'UPDATE' THEN{updated}
    ELSE{deleted}
    END IF;
    RETURN NULL;
END
"""


def capture_function_body(
    model: type[models.Model], columns: list[Column], *, sequence: str = LEDGER_SEQUENCE
) -> str:
    """One statement-level trigger function per table, generated from its columns.

    Statement-level with transition tables, so a bulk write (COPY, ``bulk_create``, an
    ``update()``) costs one INSERT … SELECT into the ledger, not a function call per row. The
    ledger still gets one event per changed row, and the event's canonical text is rendered
    here by plain concatenation (``changes`` member by member, in code-point order) and handed
    to the ledger's canonical-bytes trigger, which keeps it as it is (``audit_event_fix_bytes``
    in sql.py; ADR 0001, decision 8): the general canonicaliser would walk the JSON value by
    value, a function call each. The text must therefore be exactly what
    ``audit_event_canonical`` writes for the row (tests/audit/test_change_capture.py holds it to
    that for every column type); ``verify_audit`` names any event where it is not.
    """
    meta = model._meta
    label = meta.label_lower.replace("'", "''")
    pk = _q(meta.pk.column)
    case_column = _case_column(model)
    case_of = (
        (lambda alias: f"{alias}.{_q(case_column)}") if case_column else (lambda _: "NULL::bigint")
    )
    inserted = _LEDGER_INSERT.format(
        action="'record.create'",
        sequence=sequence,
        rows=f"SELECT n.{pk} AS pk, {case_of('n')} AS case_id, "
        f"{_changes_sql(columns, 'INSERT')} AS doc FROM audit_new AS n",
        where="",
    )
    deleted = _LEDGER_INSERT.format(
        action="'record.delete'",
        sequence=sequence,
        rows=f"SELECT o.{pk} AS pk, {case_of('o')} AS case_id, "
        f"{_changes_sql(columns, 'DELETE')} AS doc FROM audit_old AS o",
        where="",
    )
    # Rows are paired by primary key; a row whose key itself changed shows as one event for
    # the old key (values to null) and one for the new key (null to values).
    updated = _LEDGER_INSERT.format(
        action="'record.change'",
        sequence=sequence,
        rows=f"SELECT coalesce(n.{pk}, o.{pk}) AS pk, "
        f"coalesce({case_of('n')}, {case_of('o')}) AS case_id, "
        f"{_changes_sql(columns, 'UPDATE')} AS doc "
        f"FROM audit_new AS n FULL JOIN audit_old AS o ON o.{pk} = n.{pk}",
        where="WHERE s.doc <> '{}' ",
    )
    return _CAPTURE_FUNCTION.format(
        label=label, inserted=inserted, updated=updated, deleted=deleted
    )


def capture_sql(
    model: type[models.Model], columns: list[Column], *, sequence: str = LEDGER_SEQUENCE
) -> str:
    """The function and its three statement-level triggers (a trigger with transition tables
    fires on one kind of event)."""
    table = _q(model._meta.db_table)
    function = capture_function_name(model._meta.db_table)
    body = capture_function_body(model, columns, sequence=sequence)
    statements = [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $audit_capture${body}$audit_capture$;"
    ]
    for operation, referencing in CAPTURE_TRIGGERS.items():
        statements.append(
            f"CREATE OR REPLACE TRIGGER audit_capture_{operation.lower()} AFTER {operation} "
            f"ON {table} REFERENCING {referencing} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {function}();"
        )
    return "\n".join(statements)


CAPTURE_TRIGGERS = {
    "INSERT": "NEW TABLE AS audit_new",
    "UPDATE": "OLD TABLE AS audit_old NEW TABLE AS audit_new",
    "DELETE": "OLD TABLE AS audit_old",
}
CAPTURE_TRIGGER_NAMES = tuple(f"audit_capture_{op.lower()}" for op in CAPTURE_TRIGGERS)


def install_capture_triggers(*, using: str = "default") -> list[str]:
    """Generate (or refresh) the capture function and triggers of every captured table.

    Runs after every ``migrate`` and after every test-database flush, so it compares each
    table's function with what its columns call for now and only touches what differs. A column
    added outside ``migrate`` is therefore captured from the next ``migrate`` on.
    """
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'audit\\_capture\\_%'"
        )
        bodies = dict(cursor.fetchall())
        cursor.execute(
            "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgname = ANY(%s) AND p.proname LIKE 'audit\\_capture\\_%%'"
            " GROUP BY c.relname",
            [list(CAPTURE_TRIGGER_NAMES)],
        )
        triggers = dict(cursor.fetchall())
        cursor.execute("SELECT pg_get_serial_sequence('audit_auditevent', 'id')")
        sequence = cursor.fetchone()[0]
        models_present = [m for m in captured_models() if m._meta.db_table in existing]
        columns_of = table_columns(cursor, [m._meta.db_table for m in models_present])
        installed = []
        for model in models_present:
            table = model._meta.db_table
            columns = columns_of[table]
            body = capture_function_body(model, columns, sequence=sequence)
            name = capture_function_name(table)
            if bodies.get(name) == body and triggers.get(table) == len(CAPTURE_TRIGGERS):
                continue
            cursor.execute(capture_sql(model, columns, sequence=sequence))
            installed.append(table)
    return installed


def allow_truncate_in_test_database(*, using: str = "default") -> None:
    """Let Django's test runner empty a *test* database between transactional tests.

    The test runner clears every table with TRUNCATE; the ledger's guard would refuse that.
    Only a database whose name marks it as a test database (Django's ``test_`` prefix) gets the
    exemption, and only the TRUNCATE trigger reads it: UPDATE and DELETE stay refused there too.
    """
    connection = connections[using]
    name = connection.settings_dict["NAME"] or ""
    if not name.startswith("test_"):
        return
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [sql.GUC_ALLOW_TRUNCATE])
        if cursor.fetchone()[0] == "on":
            return
        cursor.execute(f"ALTER DATABASE {quoted} SET {sql.GUC_ALLOW_TRUNCATE} = 'on'")
        cursor.execute(f"SET {sql.GUC_ALLOW_TRUNCATE} = 'on'")


def on_post_migrate(sender, using="default", **kwargs) -> None:
    """After every migrate: (re)attach the capture trigger to every Casework table."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('audit_event_json') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # the audit app is migrated backwards: nothing to write into
    allow_truncate_in_test_database(using=using)
    install_capture_triggers(using=using)
