"""Case reviews: recorded by the unit's supervisor, next date kept as the case's review clock."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from casework.core.errors import DomainError, NotFound
from casework.oversight.models import CaseReview
from casework.oversight.services import case_review_record
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(investigator, teammate):
    return make_case(lead=investigator, assignees=[teammate], title="Synthetic case 0001")


def _open_review_clocks(case):
    from casework.deadlines.models import Deadline

    return Deadline.objects.filter(case=case, kind="case_review", state__in=["open", "missed"])


def test_a_review_sets_the_one_review_clock_to_the_chosen_date(case, supervisor):
    from casework.deadlines.models import Deadline

    next_at = timezone.now() + timedelta(days=45)
    review = case_review_record(
        actor=supervisor,
        case=case,
        notes="Checked progress",
        decisions="Carry on",
        next_review_at=next_at,
    )
    (clock,) = _open_review_clocks(case)
    assert clock.due_at == next_at
    assert review.deadline_reference == clock.reference
    assert Deadline.objects.filter(case=case, kind="case_review", state="met").count() == 1
    second = case_review_record(
        actor=supervisor, case=case, notes="Again", next_review_at=next_at + timedelta(days=30)
    )
    (clock,) = _open_review_clocks(case)
    assert clock.due_at == second.next_review_at


def test_a_case_without_a_review_clock_gets_one_from_the_review(case, supervisor, investigator):
    from casework.deadlines import services

    for clock in _open_review_clocks(case):
        services.deadline_waive(actor=supervisor, deadline=clock, reason="Test set-up")
    review = case_review_record(
        actor=supervisor,
        case=case,
        notes="First look",
        next_review_at=timezone.now() + timedelta(days=10),
    )
    (clock,) = _open_review_clocks(case)
    assert (clock.source_type, clock.source_id) == ("oversight.casereview", str(review.pk))
    assert clock.owner == supervisor


def test_only_the_units_supervisor_reviews(case, investigator, outside_supervisor):
    later = timezone.now() + timedelta(days=10)
    with pytest.raises(DomainError):
        case_review_record(actor=investigator, case=case, notes="x", next_review_at=later)
    with pytest.raises(NotFound):
        case_review_record(actor=outside_supervisor, case=case, notes="x", next_review_at=later)
    assert not CaseReview.objects.exists()


def test_a_review_needs_notes_and_a_future_date(case, supervisor):
    with pytest.raises(DomainError, match="what was reviewed"):
        case_review_record(
            actor=supervisor,
            case=case,
            notes=" ",
            next_review_at=timezone.now() + timedelta(days=1),
        )
    with pytest.raises(DomainError, match="future"):
        case_review_record(
            actor=supervisor,
            case=case,
            notes="ok",
            next_review_at=timezone.now() - timedelta(days=1),
        )


def test_the_review_page_records_a_review(case, supervisor, client_for):
    from casework.audit.models import AuditEvent

    client = client_for(supervisor)
    listing = client.get("/oversight/reviews/")
    assert listing.status_code == 200
    assert case.number in listing.content.decode()
    # The next review shown is the case's running review clock (30 days after opening).
    assert "Overdue" not in listing.content.decode()
    assert re.search(r'</time> <span class="[^"]*">\(in ', listing.content.decode())
    when = (timezone.localtime() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/oversight/reviews/{case.number}/",
        {"notes": "Looked at the work", "decisions": "", "next_review_at": when},
    )
    assert response.status_code == 302
    assert CaseReview.objects.filter(case=case, reviewed_by=supervisor).count() == 1
    assert AuditEvent.objects.filter(action="case_review.create").exists()
    page = client.get(f"/oversight/reviews/{case.number}/")
    assert "Looked at the work" in page.content.decode()


def test_outsiders_get_404_on_review_pages(
    case, investigator, outsider, outside_supervisor, client_for
):
    for user in (investigator, outsider, outside_supervisor):
        assert client_for(user).get(f"/oversight/reviews/{case.number}/").status_code == 404
    assert client_for(outside_supervisor).get("/oversight/reviews/").status_code == 200
    assert (
        case.number
        not in client_for(outside_supervisor).get("/oversight/reviews/").content.decode()
    )


def test_pending_closures_are_listed_for_the_supervisor(case, investigator, supervisor, client_for):
    from casework.cases import services

    services.case_close_request(
        actor=investigator, case=case, reason="Work complete", outcome="no_further_action"
    )
    body = client_for(supervisor).get("/oversight/reviews/").content.decode()
    assert "No closure waits for approval" not in body
    assert "No further action" in body
