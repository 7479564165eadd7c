"""Database-level capture of every change to a domain record, with who, which request and why.

Threat: a change that bypasses the services (a bulk ``update()``, a data migration, raw SQL in a
shell) would otherwise leave no trace. A generic PL/pgSQL trigger (``audit_capture_change`` in
sql.py) on every table of every Casework app writes a ledger event with the field-level
before/after in the same transaction as the change.

The trigger learns the acting user, request id, IP, user agent and stated reason from session
settings (``casework.actor_id`` …). They are pushed by a database execute-wrapper just before
the first query that runs under a new context, so no request pays more than one extra round
trip, and they are re-pushed if the transaction that set them rolled back (PostgreSQL undoes a
``set_config`` with the transaction). Who the actor is comes from ``AuditActorMiddleware`` in a
request, or from ``acting_user(user)`` in commands and tasks.

Tables are discovered at ``post_migrate``, so a model added by any app is covered as soon as its
migration runs, without a list to keep up to date.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.apps import apps
from django.db import connections, models

from casework.core import context

from . import sql

logger = logging.getLogger(__name__)

CAPTURE_TRIGGER = "audit_capture"
AUDIT_APP_LABEL = "audit"
# Values that must never be copied into the ledger, whatever table they are on.
REDACTED_COLUMNS = ("password", "secret", "token", "otp_secret")


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


def _trigger_arguments(model: type[models.Model]) -> list[str]:
    meta = model._meta
    return [meta.label_lower, meta.pk.column, _case_column(model), ",".join(REDACTED_COLUMNS)]


def capture_trigger_sql(model: type[models.Model]) -> str:
    meta = model._meta
    arguments = _trigger_arguments(model)
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in arguments)
    table = connections["default"].ops.quote_name(meta.db_table)
    return (
        f"CREATE OR REPLACE TRIGGER {CAPTURE_TRIGGER} AFTER INSERT OR UPDATE OR DELETE "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION audit_capture_change({quoted});"
    )


def install_capture_triggers(*, using: str = "default") -> list[str]:
    """Attach (or refresh) the trigger on every captured table; skip those already right.

    Runs after every ``migrate`` and after every test-database flush, so it first asks which
    tables already carry the trigger with the same arguments and only touches the others.
    """
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, encode(t.tgargs, 'escape') FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
            [CAPTURE_TRIGGER],
        )
        present = dict(cursor.fetchall())
        installed = []
        for model in captured_models():
            table = model._meta.db_table
            if table not in existing:
                continue
            if present.get(table) == _trigger_arguments_escaped(model):
                continue
            cursor.execute(capture_trigger_sql(model))
            installed.append(table)
    return installed


def _trigger_arguments_escaped(model: type[models.Model]) -> str:
    # pg_trigger.tgargs holds each argument followed by a NUL byte; encode(..., 'escape')
    # prints NUL as \000.
    return "".join(f"{argument}\\000" for argument in _trigger_arguments(model))


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
        cursor.execute("SELECT to_regprocedure('audit_capture_change()') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # the audit app is migrated backwards: nothing to write into
    allow_truncate_in_test_database(using=using)
    install_capture_triggers(using=using)
