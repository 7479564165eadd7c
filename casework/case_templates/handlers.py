"""Templates applied and checklist items ticked on other apps' events (``casework.core.events``).

Handlers run inside the publishing service's transaction: a template that cannot be applied
rolls the case opening back, and a tick is written with the record that proves it, or not at all.
"""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe(events.CaseOpened)
def apply_case_template(event: events.CaseOpened) -> None:
    version = services.template_version_for_case(
        template_id=event.template_id, incident_type_id=event.incident_type_id
    )
    if version is not None:
        services.case_template_apply(actor=event.actor, case=event.case, version=version)


@events.subscribe(events.RequestSent)
def tick_on_request_sent(event: events.RequestSent) -> None:
    request = event.request
    if request.case_id is None:
        return
    services.checklist_items_tick(
        actor=event.actor,
        case_id=request.case_id,
        evidence=f"request:{request.kind}",
        evidence_type="request",
        evidence_id=str(request.pk),
        label=f"{request.get_kind_display()} to {request.agency}",
    )


@events.subscribe(events.EvidenceSeized, events.EvidenceSubmitted)
def tick_on_custody_event(event: events.EvidenceSeized | events.EvidenceSubmitted) -> None:
    item, custody_event = event.item, event.custody_event
    services.checklist_items_tick(
        actor=event.actor,
        case_id=item.case_id,
        evidence=f"custody:{custody_event.kind}",
        evidence_type="custody",
        evidence_id=str(item.public_id),
        label=f"{custody_event.get_kind_display()}: {item}",
    )


@events.subscribe(events.DeadlineMet)
def tick_on_deadline_met(event: events.DeadlineMet) -> None:
    deadline = event.deadline
    if deadline.case_id is None:
        return
    services.checklist_items_tick(
        actor=event.actor,
        case_id=deadline.case_id,
        evidence=f"deadline:{deadline.kind}",
        evidence_type="deadline",
        evidence_id=str(deadline.reference),
        label=f"{deadline.get_kind_display()} met",
    )


@events.subscribe(events.CaseMerged)
def move_checklist(event: events.CaseMerged) -> None:
    services.checklist_items_move_case(
        actor=event.actor, duplicate=event.duplicate, original=event.original
    )
