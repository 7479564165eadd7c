"""Only the act a clock stands for meets it; by hand only the team, with a reason when late.

The issue: an investigator opened an overdue "Case review" deadline and clicked "Mark as met";
no reason asked, accepted, and the review page still said "Last review: Never".
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.core.errors import DomainError
from casework.deadlines import services
from casework.deadlines.models import Deadline
from casework.oversight.services import case_review_record

pytestmark = pytest.mark.django_db

URL = "/api/v1/deadlines/"


def overdue(deadline: Deadline) -> Deadline:
    now = timezone.now()
    Deadline.objects.filter(pk=deadline.pk).update(
        starts_at=now - timedelta(days=40), due_at=now - timedelta(days=1), state="missed"
    )
    deadline.refresh_from_db()
    return deadline


@pytest.fixture
def review_clock(north_case):
    return overdue(Deadline.objects.get(case=north_case, kind="case_review"))


def test_an_investigator_cannot_mark_a_case_review_as_met(
    client_for, api_for, investigator, review_clock
):
    signed_in = client_for(investigator)
    page = signed_in.get(f"/deadlines/{review_clock.reference}/").content.decode()
    assert "Mark as met" not in page
    assert "Met by recording a case review" in page

    response = signed_in.post(f"/deadlines/{review_clock.reference}/meet/", {"reason": "Done"})
    assert response.status_code == 409
    assert "This deadline is met by recording a case review" in response.content.decode()

    answer = api_for(investigator).post(f"{URL}{review_clock.reference}/meet/", {}, format="json")
    assert answer.status_code == 409
    assert answer["Content-Type"] == "application/problem+json"
    assert "met by recording a case review, on the case's review page" in answer.json()["detail"]

    with pytest.raises(DomainError):
        services.deadline_meet_by_hand(actor=investigator, deadline=review_clock, reason="x")
    review_clock.refresh_from_db()
    assert review_clock.state == "missed"


def test_the_supervisor_s_review_meets_the_review_clock(
    client_for, supervisor, north_case, review_clock
):
    next_at = timezone.now() + timedelta(days=30)
    case_review_record(actor=supervisor, case=north_case, notes="Checked", next_review_at=next_at)
    review_clock.refresh_from_db()
    assert review_clock.state == "met"
    (running,) = Deadline.objects.filter(case=north_case, kind="case_review", state="open")
    assert running.due_at == next_at
    page = client_for(supervisor).get("/oversight/reviews/").content.decode()
    assert north_case.number in page
    assert "Never" not in page


@pytest.mark.parametrize(
    ("source_type", "words"),
    [
        ("partners.request", "recording the partner's answer to the request"),
        ("custody.evidenceitem", "recording the exhibit's submission"),
    ],
)
def test_a_clock_set_by_a_record_is_met_by_that_record_s_act(
    api_for, investigator, north_case, source_type, words
):
    clock = services.deadline_start(
        actor=investigator,
        kind="icse_submission" if source_type.startswith("custody") else "legal_process_response",
        case=north_case,
        source_type=source_type,
        source_id="12",
        due_at=timezone.now() + timedelta(days=5),
    )
    answer = api_for(investigator).post(f"{URL}{clock.reference}/meet/", {}, format="json")
    assert answer.status_code == 409
    assert words in answer.json()["detail"]
    # The act itself still meets it.
    assert services.deadlines_meet(actor=investigator, source_type=source_type, source_id="12")
    clock.refresh_from_db()
    assert clock.state == "met"


def test_a_triage_clock_is_met_by_triage_only(api_for, investigator, north_referral):
    clock = Deadline.objects.get(referral=north_referral, kind="referral_triage")
    answer = api_for(investigator).post(f"{URL}{clock.reference}/meet/", {}, format="json")
    assert answer.status_code == 409
    assert "triaging the referral" in answer.json()["detail"]


@pytest.fixture
def court_date(investigator, north_case):
    return services.deadline_start(
        actor=investigator,
        kind="court_date",
        case=north_case,
        due_at=timezone.now() + timedelta(days=3),
    )


def test_a_late_clock_met_by_hand_needs_a_reason(client_for, api_for, teammate, court_date):
    overdue(court_date)
    signed_in = client_for(teammate)
    page = signed_in.get(f"/deadlines/{court_date.reference}/").content.decode()
    assert "Mark as met" in page
    assert "met after its due time" in page
    response = signed_in.post(f"/deadlines/{court_date.reference}/meet/", {"reason": ""})
    assert response.status_code == 400
    assert "say why it is met late" in response.content.decode()
    court_date.refresh_from_db()
    assert court_date.state == "missed"

    answer = api_for(teammate).post(
        f"{URL}{court_date.reference}/meet/",
        {"reason": "Hearing held; entered late"},
        format="json",
    )
    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["reason"]) == (
        "met",
        "Hearing held; entered late",
    )
    event = AuditEvent.objects.filter(action="deadline.meet").latest("id")
    assert event.details == {"late": True, "by_hand": True, "reason": "Hearing held; entered late"}


def test_a_clock_met_on_time_needs_no_reason(client_for, investigator, court_date):
    response = client_for(investigator).post(f"/deadlines/{court_date.reference}/meet/")
    assert response.status_code == 302
    court_date.refresh_from_db()
    assert court_date.state == "met"


def test_only_the_owner_the_team_or_the_unit_supervisor_meets_by_hand(
    investigator, teammate, supervisor, outsider, outside_supervisor, court_date
):
    for stranger in (outsider, outside_supervisor):
        with pytest.raises(DomainError) as refused:
            services.deadline_meet_by_hand(actor=stranger, deadline=court_date)
        assert refused.value.status == 403
    services.deadline_meet_by_hand(actor=supervisor, deadline=court_date)
    court_date.refresh_from_db()
    assert court_date.state == "met"


def test_waiving_is_a_supervisor_s_decision_with_a_reason(
    client_for, api_for, investigator, supervisor, court_date
):
    signed_in = client_for(investigator)
    page = signed_in.get(f"/deadlines/{court_date.reference}/").content.decode()
    assert f'action="/deadlines/{court_date.reference}/waive/"' not in page
    response = signed_in.post(f"/deadlines/{court_date.reference}/waive/", {"reason": "No need"})
    assert response.status_code == 403
    answer = api_for(investigator).post(
        f"{URL}{court_date.reference}/waive/", {"reason": "No need"}, format="json"
    )
    assert answer.status_code == 403
    court_date.refresh_from_db()
    assert court_date.state == "open"

    waived = api_for(supervisor).post(
        f"{URL}{court_date.reference}/waive/", {"reason": "Hearing vacated"}, format="json"
    )
    assert (waived.status_code, waived.json()["state"]) == (200, "waived")
    event = AuditEvent.objects.get(action="deadline.waive")
    assert event.details == {"reason": "Hearing vacated"}
