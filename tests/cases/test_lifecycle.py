from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.models import Case, CaseClosureRequest
from casework.cases.selectors import cases_visible_to
from casework.core import events
from casework.core.errors import DomainError, NotFound

pytestmark = pytest.mark.django_db


def test_it_moves_along_allowed_transitions(north_case, investigator):
    services.case_change_status(actor=investigator, case=north_case, status="active")
    services.case_change_status(actor=investigator, case=north_case, status="suspended")
    north_case.refresh_from_db()
    assert north_case.status == "suspended"
    assert AuditEvent.objects.filter(action="case.status", case_id=north_case.pk).count() == 2


def test_an_illegal_transition_is_a_clear_error_and_writes_nothing(north_case, investigator):
    services.case_change_status(actor=investigator, case=north_case, status="active")
    with pytest.raises(DomainError, match="cannot become open"):
        services.case_change_status(actor=investigator, case=north_case, status="open")
    north_case.refresh_from_db()
    assert north_case.status == "active"


def test_closing_without_approval_is_refused(north_case, investigator, supervisor):
    for actor in (investigator, supervisor):
        with pytest.raises(DomainError, match="supervisor's approval"):
            services.case_change_status(actor=actor, case=north_case, status="closed")
    with pytest.raises(DomainError, match="request closure first"):
        services.case_close_approve(actor=supervisor, case=north_case)
    assert Case.objects.get(pk=north_case.pk).status == "open"


def test_a_supervisor_approves_a_closure_and_case_closed_is_published(
    north_case, investigator, supervisor
):
    heard = []
    handler = events.subscribe(events.CaseClosed)(lambda e: heard.append((e.case, e.actor)))
    try:
        services.case_close_request(
            actor=investigator,
            case=north_case,
            reason="All lines of enquiry done",
            outcome="victims_safeguarded",
        )
        services.case_close_approve(actor=supervisor, case=north_case)
    finally:
        events._subscribers[events.CaseClosed].remove(handler)
    north_case.refresh_from_db()
    assert north_case.status == "closed" and north_case.closed_at is not None
    assert north_case.closure_outcome == "victims_safeguarded"
    assert heard == [(north_case, supervisor)]
    with pytest.raises(DomainError, match="closed"):
        services.case_note_add(actor=investigator, case=north_case, body="Late note")


def test_closure_needs_a_reason_and_an_outcome(north_case, investigator):
    with pytest.raises(DomainError) as error:
        services.case_close_request(actor=investigator, case=north_case, reason=" ", outcome="")
    assert {e.field for e in error.value.errors} == {"reason", "outcome"}
    assert CaseClosureRequest.objects.count() == 0


def test_only_a_supervisor_of_the_unit_may_approve(
    north_case, investigator, teammate, outside_supervisor, supervisor
):
    services.case_close_request(
        actor=investigator, case=north_case, reason="Done", outcome="no_further_action"
    )
    for actor in (investigator, teammate):
        with pytest.raises(DomainError) as error:
            services.case_close_approve(actor=actor, case=north_case)
        assert error.value.status == 403
    with pytest.raises(NotFound):
        services.case_close_approve(actor=outside_supervisor, case=north_case)
    with pytest.raises(DomainError, match="already awaiting"):
        services.case_close_request(
            actor=teammate, case=north_case, reason="Again", outcome="arrests"
        )
    request = services.case_close_reject(actor=supervisor, case=north_case, note="One more check")
    assert request.status == "rejected"
    assert Case.objects.get(pk=north_case.pk).status == "open"


def test_a_supervisor_cannot_approve_their_own_request(north_case, supervisor):
    services.case_close_request(actor=supervisor, case=north_case, reason="Done", outcome="other")
    with pytest.raises(DomainError, match="Another supervisor"):
        services.case_close_approve(actor=supervisor, case=north_case)


def test_changing_the_lead_keeps_the_old_lead_as_assignee(
    north_case, investigator, teammate, supervisor
):
    services.case_change_lead(actor=supervisor, case=north_case, lead=teammate)
    north_case.refresh_from_db()
    assert north_case.lead == teammate
    assert list(cases_visible_to(investigator)) == [north_case]
    assert set(north_case.assignments.values_list("user__username", flat=True)) == {"inv.north"}


def test_an_assignee_cannot_change_status_or_lead(north_case, teammate, investigator):
    with pytest.raises(DomainError) as error:
        services.case_change_status(actor=teammate, case=north_case, status="active")
    assert error.value.status == 403
    with pytest.raises(DomainError):
        services.case_change_lead(actor=teammate, case=north_case, lead=teammate)


def test_case_opened_is_published(investigator):
    from tests.cases.factories import make_case

    heard = []
    handler = events.subscribe(events.CaseOpened)(lambda e: heard.append(e.case))
    try:
        case = make_case(lead=investigator)
    finally:
        events._subscribers[events.CaseOpened].remove(handler)
    assert heard == [case]


def test_priority_change_is_audited(north_case, supervisor):
    services.case_change_priority(actor=supervisor, case=north_case, priority="P1")
    event = AuditEvent.objects.get(action="case.priority")
    assert event.changes == {"priority": ["P3", "P1"]}
