"""Clocks that follow their case: to a new lead, into the original of a merge, to another
unit."""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from casework.audit.services import audit_record
from casework.cases.models import Case
from casework.core.notifications import notify

from ..choices import ACTIVE_STATES, DeadlineKind, DeadlineState
from ..models import Deadline
from ._common import unschedule_reminders


@transaction.atomic
def deadlines_hand_over(*, actor, case, previous, owner) -> int:
    """Give ``owner`` the case's running clocks that ``previous`` owned (a new lead takes over
    the lead's clocks; those owned by anyone else stay theirs). Returns how many moved."""
    moved = list(
        Deadline.objects.select_for_update()
        .filter(case=case, owner=previous, state__in=ACTIVE_STATES)
        .values_list("pk", flat=True)
    )
    if not moved:
        return 0
    Deadline.objects.filter(pk__in=moved).update(owner=owner, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="deadline.hand_over",
        object_type=Deadline._meta.label_lower,
        case_id=case.pk,
        changes={"owner": [previous.get_username(), owner.get_username()]},
        details={"deadline_ids": moved},
    )
    count = f"{len(moved)} running deadline{'s' if len(moved) != 1 else ''}"
    notify(
        recipients=[owner],
        kind="deadline.hand_over",
        subject=f"{case.number} is yours: {count} moved to you",
        body=f"{previous.get_username()} handed {case.number} over; its {count} are now yours.",
        link=reverse("deadlines:mine"),
        dedupe_key=f"deadline-hand-over:{case.pk}:{owner.pk}:{max(moved)}",
    )
    return len(moved)


@transaction.atomic
def deadlines_move_case(*, actor, duplicate, original) -> int:
    """A merge (``CaseMerged``): the duplicate's clocks run on the original, with their
    owners and due times; its periodic review ends (the original has its own). Returns how
    many moved."""
    for review in Deadline.objects.select_for_update().filter(
        case=duplicate, kind=DeadlineKind.CASE_REVIEW, state__in=ACTIVE_STATES
    ):
        review.state, review.reason = DeadlineState.WAIVED, f"Merged into {original.number}."
        review.closed_at, review.closed_by = timezone.now(), actor
        review.save(update_fields=["state", "reason", "closed_at", "closed_by", "updated_at"])
        unschedule_reminders(review)
    moved = (
        Deadline.objects.filter(case=duplicate)
        .exclude(kind=DeadlineKind.CASE_REVIEW)
        .update(case=original, unit_id=original.unit_id)
    )
    audit_record(
        actor=actor,
        action="deadline.move",
        object_type=Case._meta.label_lower,
        object_id=str(original.pk),
        case_id=original.pk,
        details={"from": duplicate.number, "deadlines": moved},
    )
    return moved


@transaction.atomic
def deadlines_transfer_case(*, actor, case, team: Collection[int]) -> int:
    """A case handed to another unit (``case.transferred``): its running clocks go with it,
    and those the sending team owned go to the new lead. Closed clocks stay where they were
    kept, in the sending unit's history."""
    running = Deadline.objects.filter(case=case, state__in=ACTIVE_STATES)
    moved = running.update(unit_id=case.unit_id)
    handed = running.filter(owner_id__in=list(team)).update(owner_id=case.lead_id)
    audit_record(
        actor=actor,
        action="deadline.transfer",
        object_type=Case._meta.label_lower,
        object_id=str(case.pk),
        case_id=case.pk,
        details={"unit": case.unit_id, "deadlines": moved, "owners_changed": handed},
    )
    return moved
