"""Merging a duplicate case into its original: one transaction, audited on both.

The duplicate's identifiers, subjects (with their victim records), tasks and notes move to the
original here; what other apps keep under a case (deadlines, partner requests and
communications, evidence items, referrals, checklists, links) moves in their own services,
called through ``CaseMerged`` in this same transaction, so a refusal anywhere rolls the whole
merge back. The duplicate stays, closed as "merged", so that its number still finds the case
and its page leads to the original.

Notes are append-only (a trigger refuses UPDATE), so they are copied to the original with
their authors and times, corrections still pointing at what they correct; the duplicate keeps
its own log unchanged.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from guardian.shortcuts import assign_perm

from casework.accounts.models import User
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.core import events
from casework.core.errors import DomainError
from casework.core.validation import clean_text
from casework.privacy.crypto import protect_identifier
from casework.privacy.models import KeyScope
from casework.privacy.services import data_key_cipher
from casework.privacy.texts import protect_texts, reprotect_texts

from ..choices import CaseStatus, ClosureOutcome, ClosureRequestStatus
from ..models import (
    Case,
    CaseAssignment,
    CaseClosureRequest,
    CaseIdentifier,
    CaseNote,
    CaseSubject,
    CaseTask,
    SafeguardingAction,
    VictimRecord,
)
from ..selectors import VIEW_PERMISSION, is_unit_supervisor
from ._access import require_case_worker


def _lock_both(duplicate: Case, original: Case) -> None:
    # Always in id order, so two merges of the same pair cannot deadlock.
    locked = {
        c.pk: c
        for c in Case.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, original.pk])
        .order_by("pk")
    }
    for case in (duplicate, original):
        fresh = locked[case.pk]
        for field in ("status", "lead_id", "closed_at", "merged_into_id", "unit_id"):
            setattr(case, field, getattr(fresh, field))


def _move_identifiers(duplicate: Case, original: Case) -> tuple[int, int]:
    # A value the original already holds (same kind and normal form) is not held twice.
    held = CaseIdentifier.objects.filter(
        case=original, kind=OuterRef("kind"), fingerprint=OuterRef("fingerprint")
    )
    dropped, _ = CaseIdentifier.objects.filter(Exists(held), case=duplicate).delete()
    # Values are bound to their case's data key: the moved ones are encrypted again under the
    # original's (the duplicate's key then protects nothing, and its disposal shreds nothing).
    rows = list(CaseIdentifier.objects.filter(case=duplicate).order_by("pk"))
    cipher = data_key_cipher(KeyScope.CASE, original.pk)
    for row in rows:
        protected = protect_identifier(
            columns=CaseIdentifier.privacy_columns(),
            owner=f"case:{original.pk}",
            aead=cipher,
            kind=row.kind,
            raw=row.raw_value,
            normal=row.normal_value,
            service=row.service,
        )
        row.case_id = original.pk
        row.raw_value_ct = protected.raw_ct
        row.normal_value_ct = protected.normal_ct
    CaseIdentifier.objects.bulk_update(rows, ["case", "raw_value_ct", "normal_value_ct"])
    return len(rows), dropped


def _move_subjects(duplicate: Case, original: Case) -> int:
    offset = CaseSubject.objects.filter(case=original).aggregate(last=Max("sequence"))["last"] or 0
    # Descriptions and references are encrypted again under the original's key, so they are
    # read, and later shredded, with the original (docs/privacy.md).
    subjects = list(CaseSubject.objects.filter(case=duplicate))
    reprotect_texts(subjects, to_owner_id=original.pk)
    for subject in subjects:
        subject.sequence += offset
    CaseSubject.objects.bulk_update(subjects, ["case", "sequence", "description_ct"])
    victims = list(VictimRecord.objects.filter(case=duplicate))
    reprotect_texts(victims, to_owner_id=original.pk)
    VictimRecord.objects.bulk_update(
        victims, ["case", "icse_reference_ct", "national_reference_ct"]
    )
    actions = list(SafeguardingAction.objects.filter(case=duplicate))
    reprotect_texts(actions, to_owner_id=original.pk)
    SafeguardingAction.objects.bulk_update(actions, ["case", "action_ct"])
    return len(subjects)


def _copy_notes(duplicate: Case, original: Case) -> int:
    notes = list(CaseNote.objects.filter(case=duplicate).order_by("created_at", "id"))
    aead = data_key_cipher(KeyScope.CASE, original.pk) if notes else None
    new_ids: dict[int, int] = {}
    pending = notes
    # A correction is inserted after the note it corrects, so it can point at the copy.
    while pending:
        ready = [n for n in pending if n.corrects_id is None or n.corrects_id in new_ids]
        if not ready:  # a correction of a note on another case: kept, unlinked
            ready = pending
        copies = CaseNote.objects.bulk_create(
            CaseNote(
                case=original,
                author_id=n.author_id,
                corrects_id=new_ids.get(n.corrects_id),
                created_at=n.created_at,
                # The copy is encrypted under the original's key; the duplicate keeps its own.
                **protect_texts(CaseNote, original.pk, aead=aead, body=n.body),
            )
            for n in ready
        )
        new_ids.update({n.pk: c.pk for n, c in zip(ready, copies, strict=True)})
        done = {n.pk for n in ready}
        pending = [n for n in pending if n.pk not in done]
    return len(notes)


def _bring_people(actor: User, duplicate: Case, original: Case) -> list[str]:
    """The duplicate's lead and assignees keep seeing the records they worked on."""
    people = {
        duplicate.lead_id,
        *CaseAssignment.objects.filter(case=duplicate).values_list("user_id", flat=True),
    }
    people -= {
        original.lead_id,
        *CaseAssignment.objects.filter(case=original).values_list("user_id", flat=True),
    }
    added = []
    for user in User.objects.filter(
        pk__in=people, is_active=True, unit_id=original.unit_id
    ).order_by("username"):
        CaseAssignment.objects.create(case=original, user=user, assigned_by=actor)
        assign_perm(f"cases.{VIEW_PERMISSION}", user, original)
        added.append(user.get_username())
    return added


@transaction.atomic
def case_merge(*, actor: User, duplicate: Case, original: Case, reason: str) -> Case:
    """Merge ``duplicate`` into ``original`` (a supervisor of their one unit). Returns the
    original. Refuses a merge across units, of a case into itself, of a closed case, and of a
    duplicate whose closure awaits a decision, writing nothing."""
    require_person(actor, "merge cases")
    require_case_worker(actor, duplicate)
    require_case_worker(actor, original)
    _lock_both(duplicate, original)
    if duplicate.pk == original.pk:
        raise DomainError("A case cannot be merged into itself.", field="original")
    if duplicate.unit_id != original.unit_id:
        raise DomainError("Only cases of one unit can be merged.", field="original")
    if not is_unit_supervisor(actor, duplicate.unit_id):
        raise DomainError("Only a supervisor of the unit merges cases.", status=403)
    for case, field in ((duplicate, "duplicate"), (original, "original")):
        if case.is_closed:
            raise DomainError(f"{case.number} is closed; it cannot be merged.", field=field)
    reason = clean_text(reason, field="reason", max_length=2000, multiline=True, required=True)
    if CaseClosureRequest.objects.filter(
        case=duplicate, status=ClosureRequestStatus.PENDING
    ).exists():
        raise DomainError(
            f"Closure of {duplicate.number} awaits a supervisor: decide it first.",
            field="duplicate",
        )
    identifiers, dropped = _move_identifiers(duplicate, original)
    counts = {
        "identifiers": identifiers,
        "identifiers_already_held": dropped,
        "subjects": _move_subjects(duplicate, original),
        "tasks": CaseTask.objects.filter(case=duplicate).update(case=original),
        "notes_copied": _copy_notes(duplicate, original),
    }
    people = _bring_people(actor, duplicate, original)
    before = duplicate.status
    duplicate.status = CaseStatus.CLOSED
    duplicate.closed_at = timezone.now()
    duplicate.closure_outcome = ClosureOutcome.MERGED
    duplicate.closure_reason = f"Merged into {original.number}: {reason}"
    duplicate.merged_into = original
    duplicate.save(
        update_fields=[
            "status",
            "closed_at",
            "closure_outcome",
            "closure_reason",
            "merged_into",
            "updated_at",
        ]
    )
    events.publish(events.CaseMerged(duplicate=duplicate, original=original, actor=actor))
    audit_record(
        actor=actor,
        action="case.merge",
        target=duplicate,
        case_id=duplicate.pk,
        changes={"status": [before, CaseStatus.CLOSED], "merged_into": [None, original.number]},
        details={"into": original.number, "reason": reason, **counts},
    )
    audit_record(
        actor=actor,
        action="case.merge_into",
        target=original,
        case_id=original.pk,
        details={"from": duplicate.number, "reason": reason, "people_added": people, **counts},
    )
    return original
