"""Every change to every domain record is captured by the database, whatever wrote it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, transaction

from casework.accounts.models import Unit, User
from casework.audit.capture import (
    CAPTURE_TRIGGER_NAMES,
    acting_user,
    capture_function_name,
    captured_models,
)
from casework.audit.models import AuditEvent
from casework.audit.services import audit_record
from casework.core import context

pytestmark = pytest.mark.django_db


def _events(object_type: str, object_id, action: str | None = None):
    events = AuditEvent.objects.filter(
        object_type=object_type, object_id=str(object_id), source="database"
    )
    return events.filter(action=action) if action else events


def _tables_with_trigger() -> dict[str, str]:
    """Tables carrying all three capture triggers, with the source of their function."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, min(p.prosrc) FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgname = ANY(%s) GROUP BY c.relname HAVING count(*) = %s",
            [list(CAPTURE_TRIGGER_NAMES), len(CAPTURE_TRIGGER_NAMES)],
        )
        return dict(cursor.fetchall())


# Bulk tables derived from one audited act (``audit_capture = False``): the pointers an import
# copies in and an export writes, ten million rows each (casework/cooperation). A new entry
# here needs the same reason. The weekly audit review is the other exception: its table is
# the ledger's (``audit_auditreview``, append-only) and each review is its own ``audit.review``
# event; the model moved to oversight with the supervisor's workspace, the table did not.
# The reminder schedule holds only what the captured tables already determine (a clock's due
# time and offsets, and the reminders claimed), rewritten by every sweep (issue 26).
# Data keys: their one secret column was redacted, so a captured row said only that a key
# exists (one per referral of a bulk import); destroying and re-wrapping keys are recorded by
# the services' own events (docs/privacy.md, "What the ledger records of data keys").
# The case-number counter: each value it takes is the ``sequence`` of the case opened in the
# same transaction, captured on ``cases_case`` and named in ``case.create`` (issue 26).
NOT_CAPTURED = {
    "cases.CaseNumberSequence",
    "cooperation.OutgoingPointer",
    "cooperation.PartnerPointer",
    "deadlines.ReminderSchedule",
    "oversight.AuditReview",
    "oversight.FigureSnapshot",
    "privacy.DataKey",
}


def test_every_model_of_every_casework_app_is_captured():
    """Enumerates the models: a model added by any app is covered once its migration runs."""
    triggers = _tables_with_trigger()
    models = [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("casework.") and config.label != "audit"
        for model in config.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed and model._meta.label not in NOT_CAPTURED
    ]
    assert {
        m._meta.label for m in apps.get_models() if getattr(m, "audit_capture", True) is False
    } == NOT_CAPTURED
    assert len(models) >= 8
    missing = [m._meta.label for m in models if m._meta.db_table not in triggers]
    assert missing == []
    assert {m._meta.db_table for m in captured_models()} <= set(triggers)
    # The ledger does not capture itself.
    assert not any(name.startswith("audit_") for name in triggers)


def test_every_casework_table_in_the_database_is_captured():
    """Also from the database's side: no table of a Casework app escapes."""
    labels = [c.label for c in apps.get_app_configs() if c.name.startswith("casework.")]
    triggers = _tables_with_trigger()
    tables = [
        name
        for name in connection.introspection.table_names()
        if any(name.startswith(f"{label}_") for label in labels if label != "audit")
    ]
    exempt = {apps.get_model(label)._meta.db_table for label in NOT_CAPTURED}
    assert tables and [n for n in tables if n not in triggers and n not in exempt] == []


def test_records_hanging_off_a_case_carry_the_case_id():
    triggers = _tables_with_trigger()
    for model in captured_models():
        source = triggers[model._meta.db_table]
        if model._meta.label_lower == "cases.case":
            assert 'n."id" AS case_id' in source
        elif any(
            f.many_to_one and f.related_model._meta.label_lower == "cases.case"
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None
        ):
            assert '_id" AS case_id' in source, model._meta.label


def test_each_table_has_its_own_capture_function():
    for model in captured_models():
        table = model._meta.db_table
        name = capture_function_name(table)
        assert len(name) <= 63 and name.startswith("audit_capture_")
    names = {capture_function_name(m._meta.db_table) for m in captured_models()}
    assert len(names) == len(captured_models())


def test_an_orm_create_is_captured_with_every_field():
    unit = Unit.objects.create(code="east", name="East Unit", case_prefix="EAST")
    event = _events("accounts.unit", unit.pk, "record.create").get()
    assert event.changes["code"] == [None, "east"]
    assert event.changes["name"] == [None, "East Unit"]
    assert event.details["operation"] == "INSERT"


def test_a_bulk_update_writes_one_event_per_row_with_before_and_after(north, south):
    Unit.objects.filter(code__in=["north", "south"]).update(time_zone="Europe/Oslo")
    for unit in (north, south):
        event = _events("accounts.unit", unit.pk, "record.change").get()
        assert event.changes["time_zone"] == ["UTC", "Europe/Oslo"]
        assert "name" not in event.changes  # only what changed


def test_raw_sql_is_captured_too(north):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_unit SET name = 'Renamed' WHERE id = %s", [north.pk])
    event = _events("accounts.unit", north.pk, "record.change").get()
    assert event.changes["name"] == ["North Unit", "Renamed"]


def test_a_delete_is_captured_with_what_was_deleted():
    unit = Unit.objects.create(code="west", name="West Unit", case_prefix="WEST")
    pk = unit.pk
    unit.delete()
    event = _events("accounts.unit", pk, "record.delete").get()
    assert event.changes["code"] == ["west", None]


def test_an_update_that_changes_nothing_records_nothing(north):
    Unit.objects.filter(pk=north.pk).update(name="North Unit")
    assert not _events("accounts.unit", north.pk, "record.change").exists()


def test_a_rolled_back_change_leaves_no_event(north):
    with pytest.raises(RuntimeError), transaction.atomic():
        Unit.objects.filter(pk=north.pk).update(name="Never")
        raise RuntimeError
    assert not _events("accounts.unit", north.pk, "record.change").exists()


def test_passwords_never_reach_the_ledger(investigator):
    investigator.set_password("another-long-synthetic-password")
    investigator.save()
    event = _events("accounts.user", investigator.pk, "record.change").latest("id")
    assert event.changes["password"] == ["[redacted]", "[redacted]"]
    created = _events("accounts.user", investigator.pk, "record.create").get()
    assert created.changes["password"] == [None, "[redacted]"]


def test_role_changes_are_captured_in_the_membership_table(investigator):
    from django.contrib.auth.models import Group

    supervisor_role, _ = Group.objects.get_or_create(name="supervisor")
    investigator.groups.add(supervisor_role)
    through = User.groups.through
    event = AuditEvent.objects.filter(
        object_type=through._meta.label_lower, action="record.create", source="database"
    ).latest("id")
    assert event.changes["group_id"] == [None, supervisor_role.pk]
    assert event.changes["user_id"] == [None, investigator.pk]


def test_the_acting_user_request_and_reason_are_attached(investigator, north):
    bound = context.RequestContext("req-capture-1", "198.51.100.4", "Agent/2")
    with context.bind(bound), acting_user(investigator), context.with_reason("Ticket 0042"):
        Unit.objects.filter(pk=north.pk).update(name="North (renamed)")
    event = _events("accounts.unit", north.pk, "record.change").get()
    assert (event.actor_id, event.actor_username) == (investigator.pk, "inv.north")
    assert (event.request_id, event.ip_address, event.user_agent) == (
        "req-capture-1",
        "198.51.100.4",
        "Agent/2",
    )
    assert event.reason == "Ticket 0042"


def test_the_context_follows_each_change_and_survives_a_rolled_back_savepoint(
    investigator, teammate, north
):
    with acting_user(investigator):
        with pytest.raises(RuntimeError), transaction.atomic():
            Unit.objects.filter(pk=north.pk).update(name="Rolled back")
            raise RuntimeError
        Unit.objects.filter(pk=north.pk).update(name="After rollback")
    with acting_user(teammate):
        Unit.objects.filter(pk=north.pk).update(name="By the teammate")
    events = list(_events("accounts.unit", north.pk, "record.change").order_by("id"))
    assert [(e.changes["name"][1], e.actor_username) for e in events] == [
        ("After rollback", "inv.north"),
        ("By the teammate", "inv2.north"),
    ]


def test_service_events_and_captured_changes_end_in_one_ledger(investigator, north):
    with acting_user(investigator):
        Unit.objects.filter(pk=north.pk).update(name="North 2")
        audit_record(actor=investigator, action="unit.rename", target=north)
    sources = set(
        AuditEvent.objects.filter(object_type="accounts.unit", object_id=str(north.pk)).values_list(
            "source", flat=True
        )
    )
    assert sources == {"service", "database"}


def test_the_middleware_attributes_a_request_s_changes_to_the_signed_in_user(
    rf, investigator, north
):
    from django.http import HttpResponse

    from casework.audit.capture import AuditActorMiddleware
    from casework.core.middleware import RequestContextMiddleware

    def view(request):
        Unit.objects.filter(pk=north.pk).update(name="Changed in a request")
        return HttpResponse("ok")

    def authenticated(request):
        request.user = investigator  # what AuthenticationMiddleware does before us
        return AuditActorMiddleware(view)(request)

    request = rf.post("/anything/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Browser/1")
    response = RequestContextMiddleware(authenticated)(request)
    event = _events("accounts.unit", north.pk, "record.change").get()
    assert event.actor_id == investigator.pk
    assert event.request_id == response["X-Request-ID"]
    assert (event.ip_address, event.user_agent) == ("203.0.113.9", "Browser/1")


# --- statement-level capture: bulk writes, every column type, canonical text ----------------


def test_bulk_create_update_and_delete_write_one_event_per_row():
    created = Unit.objects.bulk_create(
        [Unit(code=f"bulk{n}", name=f"Bulk {n}", case_prefix=f"BULK{n}") for n in range(3)]
    )
    ids = [str(unit.pk) for unit in created]
    Unit.objects.filter(code__startswith="bulk").update(time_zone="Europe/Oslo")
    Unit.objects.filter(code__startswith="bulk").delete()
    for action, field, value in (
        ("record.create", "code", lambda n: [None, f"bulk{n}"]),
        ("record.change", "time_zone", lambda n: ["UTC", "Europe/Oslo"]),
        ("record.delete", "name", lambda n: [f"Bulk {n}", None]),
    ):
        events = AuditEvent.objects.filter(
            object_type="accounts.unit", object_id__in=ids, action=action
        ).order_by("object_id")
        assert [e.changes[field] for e in events] == [value(n) for n in range(3)]


def test_a_statement_that_touches_no_row_records_nothing():
    before = AuditEvent.objects.count()
    Unit.objects.filter(code="nobody").update(name="Nothing")
    Unit.objects.filter(code="nobody").delete()
    assert AuditEvent.objects.count() == before


def test_a_changed_primary_key_is_recorded_under_both_keys(north):
    old = north.pk
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_unit SET id = id + 100000 WHERE id = %s", [old])
    events = {e.object_id: e.changes for e in _events_of_type("accounts.unit", "record.change")}
    assert events[str(old)]["code"] == ["north", None]
    assert events[str(old + 100000)]["code"] == [None, "north"]


def _events_of_type(object_type: str, action: str):
    return AuditEvent.objects.filter(object_type=object_type, action=action, source="database")


class _Kinds:
    """Stands in for a model: what the capture generator reads from ``_meta``."""

    class _meta:
        label_lower = "tests.kinds"
        db_table = "audit_test_kinds"
        concrete_fields = ()

        class pk:
            column = "id"


def _install_kinds_table():
    from casework.audit.capture import capture_sql, table_columns

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE audit_test_kinds (id bigint PRIMARY KEY, i int, big bigint,"
            " d numeric, f float8, b bool, t text, j jsonb, js json, a int[], ta text[],"
            " na numeric[], u uuid, ts timestamptz, dt date, ip inet, secret text)"
        )
        columns = table_columns(cursor, ["audit_test_kinds"])["audit_test_kinds"]
        cursor.execute(capture_sql(_Kinds, columns))


def test_every_column_type_is_written_as_the_canonical_form_of_its_value():
    """The capture renders the canonical text itself; it must be exactly what the general
    canonicaliser writes from the stored columns, or the verifier would flag the event."""
    _install_kinds_table()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_test_kinds VALUES"
            " (1, -7, 9007199254740993, 1.50, 0.1, true, %s, %s, %s, '{1,NULL,3}',"
            "  ARRAY['a b', 'c\"d'], '{2.5,3}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
            "  '2026-03-29 01:30:00.123456+00', '2026-11-29', '2001:db8::1', 'hidden'),"
            " (2, NULL, 42, 2.0, 3, false, '', 'null', NULL, '{}', NULL, NULL, NULL, NULL,"
            "  NULL, NULL, NULL)",
            [
                'quote " backslash \\ newline \n tab \t bell \x07 é ✓',
                '{"z": 1, "a": [1.5, {"y": null, "b": "x"}], "é": 10000000000000000}',
                '{"kept": "as json", "n": 2}',
            ],
        )
        cursor.execute("UPDATE audit_test_kinds SET f = f * 2, t = t || '!', j = '{}'")
        cursor.execute("DELETE FROM audit_test_kinds WHERE id = 2")
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE canonical"
            " = convert_to(audit_event_canonical(e), 'UTF8')) FROM audit_auditevent AS e"
            " WHERE object_type = 'tests.kinds'"
        )
        assert cursor.fetchone() == (5, 5)
    created = _events_of_type("tests.kinds", "record.create").get(object_id="1").changes
    assert created["big"] == [None, "9007199254740993"]  # beyond 2**53 - 1: a string
    assert created["d"] == [None, "1.50"] and created["f"] == [None, "0.1"]
    assert created["j"] == [
        None,
        {"a": ["1.5", {"b": "x", "y": None}], "z": 1, "é": "10000000000000000"},
    ]
    assert created["ta"] == [None, ["a b", 'c"d']]
    assert created["a"] == [None, [1, None, 3]] and created["na"] == [None, ["2.5", 3]]
    assert created["secret"] == [None, "[redacted]"]
    second = _events_of_type("tests.kinds", "record.create").get(object_id="2").changes
    assert second["d"] == [None, 2] and second["j"] == [None, None]
    changed = _events_of_type("tests.kinds", "record.change").get(object_id="1").changes
    assert set(changed) == {"f", "t", "j"}


def test_a_canonical_text_sent_by_a_client_is_not_trusted():
    """Only the capture triggers may hand over rendered text; a client's is recomputed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_username, action, outcome,"
            " object_type, object_id, request_id, user_agent, reason, changes, details, source,"
            " canonical) VALUES (now(), '', 'x.y', 'succeeded', '', '', '', '', '',"
            " '{}', '{}', 'service', convert_to('{\"forged\": true}', 'UTF8')) RETURNING id"
        )
        (pk,) = cursor.fetchone()
        cursor.execute(
            "SELECT canonical = convert_to(audit_event_canonical(e), 'UTF8')"
            " FROM audit_auditevent AS e WHERE id = %s",
            [pk],
        )
        assert cursor.fetchone() == (True,)
