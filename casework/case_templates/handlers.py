"""Templates applied and checklist items ticked on other apps' events (``casework.core.events``).

Handlers run inside the publishing service's transaction: a template that cannot be applied
rolls the case opening back, and a tick is written with the record that proves it, or not at all.
"""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe("case.opened")
def apply_case_template(*, case, actor=None, template_id=None, incident_type_id=None, **_) -> None:
    version = services.template_version_for_case(
        template_id=template_id, incident_type_id=incident_type_id
    )
    if version is not None:
        services.case_template_apply(actor=actor, case=case, version=version)


@events.subscribe("request.sent")
def tick_on_request_sent(*, request, actor=None, **_) -> None:
    if request.case_id is None:
        return
    services.checklist_items_tick(
        actor=actor,
        case_id=request.case_id,
        evidence=f"request:{request.kind}",
        evidence_type="request",
        evidence_id=str(request.pk),
        label=f"{request.get_kind_display()} to {request.agency}",
    )


@events.subscribe("evidence.seized")
@events.subscribe("evidence.submitted")
def tick_on_custody_event(*, item, actor=None, custody_event=None, **_) -> None:
    if custody_event is None:
        return
    services.checklist_items_tick(
        actor=actor,
        case_id=item.case_id,
        evidence=f"custody:{custody_event.kind}",
        evidence_type="custody",
        evidence_id=str(item.public_id),
        label=f"{custody_event.get_kind_display()}: {item}",
    )


@events.subscribe("deadline.met")
def tick_on_deadline_met(*, deadline, actor=None, **_) -> None:
    if deadline.case_id is None:
        return
    services.checklist_items_tick(
        actor=actor,
        case_id=deadline.case_id,
        evidence=f"deadline:{deadline.kind}",
        evidence_type="deadline",
        evidence_id=str(deadline.reference),
        label=f"{deadline.get_kind_display()} met",
    )


@events.subscribe("case.merged")
def move_checklist(*, duplicate, original, actor=None, **_) -> None:
    services.checklist_items_move_case(actor=actor, duplicate=duplicate, original=original)
