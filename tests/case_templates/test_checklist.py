"""A case's checklist: who may see and resolve it, evidence ticking it, and closure."""

from __future__ import annotations

import pytest
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.case_templates import services
from casework.case_templates.models import ChecklistItem
from casework.cases import services as case_services
from casework.core.errors import DomainError, NotFound
from casework.deadlines import services as deadline_services
from casework.deadlines.models import Deadline
from casework.partners import services as partner_services
from tests.custody.factories import make_item, make_store
from tests.partners.factories import make_agency, make_request

pytestmark = pytest.mark.django_db


def _item(case, position=1) -> ChecklistItem:
    return ChecklistItem.objects.get(case=case, position=position)


@pytest.mark.parametrize("persona", ["investigator", "teammate", "supervisor"])
def test_the_case_team_resolves_items(persona, templated_case, request):
    actor = request.getfixturevalue(persona)
    item = services.checklist_item_resolve(actor=actor, item=_item(templated_case), state="done")
    assert item.state == "done"
    assert item.resolved_by == actor
    assert AuditEvent.objects.filter(
        action="checklist_item.resolve", object_id=str(item.pk), actor=actor
    ).exists()


@pytest.mark.parametrize("persona", ["outsider", "outside_supervisor", "auditor", "administrator"])
def test_people_who_cannot_see_the_case_cannot_resolve_its_items(persona, templated_case, request):
    with pytest.raises(NotFound):
        services.checklist_item_resolve(
            actor=request.getfixturevalue(persona), item=_item(templated_case), state="done"
        )
    assert _item(templated_case).state == "open"


def test_not_applicable_needs_a_reason_and_keeps_it(templated_case, investigator):
    with pytest.raises(DomainError) as refused:
        services.checklist_item_resolve(
            actor=investigator, item=_item(templated_case), state="not_applicable"
        )
    assert refused.value.errors[0].field == "reason"
    item = services.checklist_item_resolve(
        actor=investigator,
        item=_item(templated_case),
        state="not_applicable",
        reason="The provider keeps no data for this service.",
    )
    assert item.reason == "The provider keeps no data for this service."
    reopened = services.checklist_item_resolve(actor=investigator, item=item, state="open")
    assert (reopened.state, reopened.reason, reopened.resolved_at) == ("open", "", None)


def test_a_sent_preservation_request_ticks_its_item_with_a_link(templated_case, investigator):
    agency = make_agency(actor=investigator)
    request = make_request(actor=investigator, agency=agency, case=templated_case)
    assert _item(templated_case).state == "open"  # a draft is not evidence
    partner_services.request_send(actor=investigator, request=request)
    item = _item(templated_case)
    assert (item.state, item.automatic) == ("done", True)
    assert (item.evidence_type, item.evidence_id) == ("request", str(request.pk))
    assert AuditEvent.objects.filter(action="checklist_item.tick", object_id=str(item.pk)).exists()


def test_a_met_clock_and_a_seizure_tick_their_items(templated_case, investigator, administrator):
    review = Deadline.objects.get(case=templated_case, kind="safeguarding_review")
    deadline_services.deadline_meet_by_hand(actor=investigator, deadline=review)
    assert _item(templated_case, 2).state == "done"
    assert _item(templated_case, 2).evidence_id == str(review.reference)
    item = make_item(case=templated_case, store=make_store(admin=administrator))
    ticked = _item(templated_case, 3)
    assert (ticked.state, ticked.evidence_type, ticked.evidence_id) == (
        "done",
        "custody",
        str(item.public_id),
    )
    # The item without evidence waits for a person.
    assert _item(templated_case, 4).state == "open"


def test_unresolved_items_block_closure_until_resolved_or_carried(templated_case, investigator):
    open_keys = {f"checklist:{i.pk}" for i in ChecklistItem.objects.filter(case=templated_case)}
    with pytest.raises(DomainError) as refused:
        case_services.case_close_request(
            actor=investigator, case=templated_case, reason="Done.", outcome="referred"
        )
    fields = {error.field for error in refused.value.errors}
    assert {f"carried.{key}" for key in open_keys} <= fields
    for item in ChecklistItem.objects.filter(case=templated_case):
        services.checklist_item_resolve(
            actor=investigator, item=item, state="not_applicable", reason="Synthetic reason."
        )
    with pytest.raises(DomainError) as still:
        case_services.case_close_request(
            actor=investigator, case=templated_case, reason="Done.", outcome="referred"
        )
    assert not any(e.field.startswith("carried.checklist:") for e in still.value.errors if e.field)


def test_a_closed_case_checklist_is_frozen(templated_case, investigator):
    ChecklistItem.objects.filter(case=templated_case).update(
        state="done", resolved_at=timezone.now()
    )
    templated_case.status = "closed"
    templated_case.closed_at = timezone.now()
    templated_case.save(update_fields=["status", "closed_at"])
    with pytest.raises(DomainError, match="closed"):
        services.checklist_item_resolve(
            actor=investigator, item=_item(templated_case), state="open"
        )
