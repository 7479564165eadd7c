"""The audit workspace: who sees what, searching, paging, export, flags, reviews, status."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.audit.services import audit_record, audit_seal_pending
from casework.oversight.models import AuditReview
from tests.audit.conftest import _audit_files  # noqa: F401 (the home panel's sealing signs)
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db

ROUTES = [
    ("audit:events", {}),
    ("audit:flags", {}),
    ("audit:export-csv", {}),
    ("audit:export-json", {}),
    ("audit:person", {"username": "inv.north"}),
]


@pytest.fixture
def north_case(investigator):
    return make_case(lead=investigator, title="Synthetic case 0042")


@pytest.fixture
def south_case(outsider):
    return make_case(lead=outsider, title="Synthetic case 0077")


@pytest.mark.parametrize(("name", "kwargs"), ROUTES)
def test_investigators_and_administrators_get_404_on_every_route(
    client_for, investigator, outsider, administrator, name, kwargs
):
    for user in (investigator, outsider, administrator):
        assert client_for(user).get(reverse(name, kwargs=kwargs)).status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("audit:events"))
    assert response.status_code == 302


def test_the_api_answers_404_to_people_who_may_not_read_the_trail(
    api_for, investigator, outsider, administrator
):
    for user in (investigator, outsider, administrator):
        assert api_for(user).get("/api/v1/audit/events/").status_code == 404


def test_the_auditor_sees_every_event_but_no_values_of_changed_fields(
    client_for, auditor, north_case, south_case
):
    response = client_for(auditor).get(reverse("audit:events"), {"action": "record."})
    assert response.status_code == 200
    body = response.content.decode()
    assert "cases.case" in body
    assert "Synthetic case 0042" not in body and "Synthetic case 0077" not in body


def test_the_supervisor_sees_their_unit_s_case_events_with_values(
    client_for, supervisor, north_case, south_case
):
    response = client_for(supervisor).get(reverse("audit:events"), {"object_type": "cases.case"})
    body = response.content.decode()
    assert "Synthetic case 0042" in body
    assert "Synthetic case 0077" not in body


def test_a_case_timeline_is_404_for_a_supervisor_of_another_unit(
    client_for, supervisor, outside_supervisor, auditor, north_case
):
    url = reverse("audit:case-timeline", kwargs={"number": north_case.number})
    assert client_for(outside_supervisor).get(url).status_code == 404
    assert client_for(supervisor).get(url).status_code == 200
    own = client_for(auditor).get(url)
    assert own.status_code == 200
    assert all(row["event"].case_id == north_case.pk for row in own.context["rows"])
    assert own.context["rows"]


def test_the_api_filters_like_the_workspace(api_for, auditor, supervisor, north_case, south_case):
    everything = api_for(auditor).get("/api/v1/audit/events/", {"case": north_case.number})
    assert everything.status_code == 200
    assert {row["case_id"] for row in everything.json()["results"]} == {north_case.pk}
    unit = api_for(supervisor).get("/api/v1/audit/events/", {"case": south_case.number})
    assert unit.status_code == 404


def test_searching_is_itself_audited(client_for, auditor):
    client_for(auditor).get(reverse("audit:events"), {"person": "inv.north"})
    event = AuditEvent.objects.filter(action="audit.search", actor=auditor).latest("id")
    assert event.details["person"] == "inv.north"


def test_pages_follow_each_other_without_gaps_or_repeats(client_for, auditor):
    for n in range(60):
        audit_record(actor=None, action="test.page", object_id=str(n))
    client = client_for(auditor)
    first = client.get(reverse("audit:events"), {"action": "test.page"})
    ids = [row["event"].pk for row in first.context["rows"]]
    assert len(ids) == 50 and first.context["next_url"]
    second = client.get(reverse("audit:events") + first.context["next_url"])
    more = [row["event"].pk for row in second.context["rows"]]
    assert len(more) == 10 and not second.context["next_url"]
    assert sorted(ids + more, reverse=True) == ids + more
    assert len(set(ids + more)) == 60


def test_a_page_costs_a_bounded_number_of_queries(
    client_for, auditor, django_assert_max_num_queries
):
    for n in range(60):
        audit_record(actor=None, action="test.queries", object_id=str(n))
    client = client_for(auditor)
    with django_assert_max_num_queries(14):
        client.get(reverse("audit:events"), {"action": "test.queries"})


def test_the_csv_export_neutralises_formulas_and_is_audited(client_for, auditor):
    audit_record(actor=None, action="test.export", object_id="=HYPERLINK(1)", reason="+1")
    response = client_for(auditor).get(reverse("audit:export-csv"), {"action": "test.export"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["object_id"] == "'=HYPERLINK(1)" and rows[0]["reason"] == "'+1"
    exported = AuditEvent.objects.filter(action="audit.export", actor=auditor).get()
    assert exported.details == {"action": "test.export", "format": "csv", "rows": 1}


def test_the_json_export_holds_the_filtered_events(client_for, auditor):
    audit_record(actor=None, action="test.json", object_id="7")
    response = client_for(auditor).get(reverse("audit:export-json"), {"action": "test.json"})
    document = json.loads(b"".join(response.streaming_content))
    assert [event["object_id"] for event in document["events"]] == ["7"]
    assert document["filters"] == {"action": "test.json"}


def test_an_export_of_a_case_out_of_reach_is_404(client_for, outside_supervisor, north_case):
    response = client_for(outside_supervisor).get(
        reverse("audit:export-csv"), {"case": north_case.number}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_failed_sign_ins_and_out_of_hours_work_are_flagged_with_links(
    client_for, auditor, investigator
):
    audit_record(
        actor=None, action="auth.sign_in_failed", outcome="refused",
        details={"username": "inv.north"},
    )  # fmt: skip
    night = timezone.now().replace(hour=2, minute=0) - datetime.timedelta(days=1)
    with time_machine.travel(night, tick=False):
        audit_record(actor=investigator, action="case.view")
    response = client_for(auditor).get(reverse("audit:flags"))
    kinds = {item["flag"].kind: item for item in response.context["items"]}
    assert {"failed_sign_in", "out_of_hours"} <= set(kinds)
    linked = client_for(auditor).get(kinds["failed_sign_in"]["url"])
    assert [r["event"].action for r in linked.context["rows"]] == ["auth.sign_in_failed"]


def test_the_weekly_review_is_recorded_once_per_week(client_for, auditor):
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    client = client_for(auditor)
    data = {"week": monday.isoformat(), "findings": "Nothing to report"}
    assert client.post(reverse("audit:flags"), data).status_code == 302
    again = client.post(reverse("audit:flags"), data)
    assert "already recorded" in again.content.decode()
    tuesday = monday + datetime.timedelta(days=1)
    wrong = client.post(reverse("audit:flags"), {**data, "week": tuesday.isoformat()})
    assert "starts on a Monday" in wrong.content.decode()
    assert AuditReview.objects.get().reviewer == auditor
    assert AuditEvent.objects.filter(action="audit.review").count() == 1


def test_the_auditor_s_home_page_shows_the_ledger_status_and_alerts_when_behind(
    client_for, auditor, investigator, settings
):
    audit_seal_pending()
    page = client_for(auditor).get("/").content.decode()
    assert "Audit ledger" in page and "Sealing is behind" not in page
    settings.AUDIT_SEAL_ALERT_SECONDS = 60
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=1), tick=False):
        audit_record(actor=investigator, action="case.view")
    page = client_for(auditor).get("/").content.decode()
    assert "Sealing is behind" in page


def test_other_people_s_home_pages_have_no_ledger_panel(client_for, investigator, supervisor):
    for user in (investigator, supervisor):
        assert "Audit ledger" not in client_for(user).get("/").content.decode()


def test_a_supervisor_s_review_meets_the_unit_s_weekly_review_clock(client_for, supervisor):
    from casework.deadlines.choices import DeadlineKind, DeadlineState
    from casework.deadlines.models import Deadline
    from casework.deadlines.services import deadline_start

    clock = deadline_start(
        actor=supervisor, kind=DeadlineKind.AUDIT_WEEKLY_REVIEW, unit=supervisor.unit,
        owner=supervisor,
    )  # fmt: skip
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    response = client_for(supervisor).post(
        reverse("audit:flags"), {"week": monday.isoformat(), "findings": "Nothing to report"}
    )
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.state == DeadlineState.MET
    # The periodic clock starts again for the next week: missing that one makes it overdue.
    following = Deadline.objects.filter(
        unit=supervisor.unit, kind=DeadlineKind.AUDIT_WEEKLY_REVIEW, state=DeadlineState.OPEN
    )
    assert following.count() == 1
    assert following.get().pk != clock.pk and following.get().due_at > timezone.now()
