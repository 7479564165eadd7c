"""Every change to every domain record is captured by the database, whatever wrote it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, transaction

from casework.accounts.models import Unit, User
from casework.audit.capture import CAPTURE_TRIGGER, acting_user, captured_models
from casework.audit.models import AuditEvent
from casework.audit.services import audit_record
from casework.core import context

pytestmark = pytest.mark.django_db


def _events(object_type: str, object_id, action: str | None = None):
    events = AuditEvent.objects.filter(
        object_type=object_type, object_id=str(object_id), source="database"
    )
    return events.filter(action=action) if action else events


def _tables_with_trigger() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = %s",
            [CAPTURE_TRIGGER],
        )
        return {
            name: bytes(args).decode().rstrip("\x00").split("\x00")
            for name, args in cursor.fetchall()
        }


def test_every_model_of_every_casework_app_is_captured():
    """Enumerates the models: a model added by any app is covered once its migration runs."""
    triggers = _tables_with_trigger()
    models = [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("casework.") and config.label != "audit"
        for model in config.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    ]
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
    assert tables and [name for name in tables if name not in triggers] == []


def test_records_hanging_off_a_case_carry_the_case_id():
    triggers = _tables_with_trigger()
    for model in captured_models():
        if model._meta.label_lower == "cases.case":
            assert triggers[model._meta.db_table][2] == "id"
        elif any(
            f.many_to_one and f.related_model._meta.label_lower == "cases.case"
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None
        ):
            assert triggers[model._meta.db_table][2].endswith("_id"), model._meta.label


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
