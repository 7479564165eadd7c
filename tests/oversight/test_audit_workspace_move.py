"""The audit workspace moved from the ledger app to oversight: the weekly reviews kept their
rows, and every page and API route kept its path and URL name."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import resolve, reverse
from django.utils import timezone

from casework.audit.services import audit_record
from casework.oversight import trail_api, workspace
from casework.oversight.models import AuditReview

pytestmark = pytest.mark.django_db

MOVE = [("audit", "0010_auditreview_to_oversight"), ("oversight", "0002_auditreview_from_audit")]
BEFORE = [("audit", "0009_capture_keeps_its_text"), ("oversight", "0001_initial")]


def test_the_review_model_moves_between_apps_and_back_with_its_rows(auditor):
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    review = AuditReview.objects.create(
        week=monday, reviewer=auditor, findings="Nothing to report", created_at=timezone.now()
    )
    executor = MigrationExecutor(connection)
    state = executor.migrate(BEFORE)
    old = state.apps.get_model("audit", "AuditReview")
    assert old._meta.db_table == "audit_auditreview"
    assert old.objects.filter(pk=review.pk, findings="Nothing to report").exists()
    with pytest.raises(LookupError):
        state.apps.get_model("oversight", "AuditReview")

    executor.loader.build_graph()
    state = executor.migrate(MOVE)
    new = state.apps.get_model("oversight", "AuditReview")
    assert new._meta.db_table == "audit_auditreview"
    assert new.objects.filter(pk=review.pk).exists()
    with pytest.raises(LookupError):
        state.apps.get_model("audit", "AuditReview")


@pytest.mark.parametrize(
    ("name", "kwargs", "path", "view"),
    [
        ("audit:events", {}, "/audit/", workspace.event_list),
        ("audit:flags", {}, "/audit/flags/", workspace.flags),
        ("audit:export-csv", {}, "/audit/export.csv", workspace.export),
        ("audit:export-json", {}, "/audit/export.json", workspace.export),
        ("audit:case-timeline", {"number": "N-1"}, "/audit/cases/N-1/", workspace.case_timeline),
        ("audit:person", {"username": "inv"}, "/audit/people/inv/", workspace.person_activity),
    ],
)
def test_the_workspace_pages_keep_their_paths_and_names(name, kwargs, path, view):
    assert reverse(name, kwargs=kwargs) == path
    assert resolve(path).func is view


@pytest.mark.parametrize(
    ("name", "kwargs", "path", "view"),
    [
        ("audit-api:events", {}, "/api/v1/audit/events/", trail_api.AuditEventListView),
        (
            "audit-api:event-proof",
            {"event_id": 7},
            "/api/v1/audit/events/7/proof/",
            trail_api.InclusionProofView,
        ),
    ],
)
def test_the_trail_api_keeps_its_paths_and_names(name, kwargs, path, view):
    assert reverse(name, kwargs=kwargs) == path
    assert resolve(path).func.view_class is view
    assert reverse("audit-api:consistency") == "/api/v1/audit/consistency/"


def test_the_api_keeps_its_messages_for_times_it_cannot_read(api_for, auditor):
    answer = api_for(auditor).get("/api/v1/audit/events/", {"since": "last tuesday"})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"field": "since", "message": "since is not an ISO 8601 date and time.", "code": "invalid"}
    ]


def test_a_time_without_a_zone_is_utc_in_the_api(api_for, auditor, settings):
    settings.TIME_ZONE = "Europe/Berlin"  # an hour ahead of UTC in March
    with time_machine.travel(datetime.datetime(2026, 3, 2, 12, 0, 30, tzinfo=datetime.UTC)):
        audit_record(actor=auditor, action="test.utc")
    answer = api_for(auditor).get(
        "/api/v1/audit/events/", {"action": "test.utc", "until": "2026-03-02T12:01"}
    )
    assert [event["action"] for event in answer.json()["results"]] == ["test.utc"]
