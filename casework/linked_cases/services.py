"""Linking cases and removing links. One transaction each, audited on both cases.

Who may link: someone who works the case (lead, assignee, the unit's supervisor), to another
case they can see, or to a case they cannot see that shares an identifier with theirs (a
deconfliction match: its existence, unit and lead were already told to them). Any other case
answers "not found", so trying case after case tells nothing.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from casework.accounts.choices import Role
from casework.audit.services import audit_record
from casework.cases.models import Case
from casework.cases.selectors import case_is_visible
from casework.core.errors import DomainError, NotFound
from casework.core.notifications import notify

from .choices import LinkKind
from .models import CaseLink
from .selectors import shares_identifier


def _require_worker(actor, case: Case) -> None:
    if not case_is_visible(user=actor, case=case):
        raise NotFound(f"No case {case.number} that you can see.")
    if not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        raise DomainError("Only investigators and supervisors link cases.", status=403)


def _contact(user) -> str:
    name = user.get_full_name() or user.get_username()
    return ", ".join(x for x in (name, user.email, getattr(user, "phone", "")) if x)


@transaction.atomic
def case_link_create(*, actor, case: Case, other: Case, kind: str) -> CaseLink:
    """Link ``case`` (which the actor works) to ``other``; the other case's lead is told who
    linked it and how to reach them, without anything of ``case`` but its unit."""
    _require_worker(actor, case)
    if case.is_closed:
        raise DomainError(f"{case.number} is closed; it can no longer be changed.")
    if kind not in LinkKind.values:
        raise DomainError("Choose what links the cases.", field="kind")
    if other.pk == case.pk:
        raise DomainError("A case cannot be linked to itself.", field="other")
    sees_other = case_is_visible(user=actor, case=other)
    if not sees_other and not shares_identifier(case, other):
        raise NotFound("No such case that you can see.")
    existing = CaseLink.objects.filter(
        Q(from_case=case, to_case=other) | Q(from_case=other, to_case=case)
    ).exists()
    if existing:
        raise DomainError("These cases are already linked.", field="other")
    try:
        with transaction.atomic():
            link = CaseLink.objects.create(
                from_case=case, to_case=other, kind=kind, created_by=actor
            )
    except IntegrityError:  # linked by someone else a moment ago
        raise DomainError("These cases are already linked.", field="other") from None
    audit_record(
        actor=actor,
        action="case.link",
        target=link,
        case_id=case.pk,
        details={"kind": kind, "other_case": other.number, "other_visible": sees_other},
    )
    audit_record(
        actor=actor,
        action="case.linked",
        target=link,
        case_id=other.pk,
        details={"kind": kind, "from_unit": case.unit.name},
    )
    if other.lead_id != actor.pk:
        notify(
            recipients=[other.lead],
            kind="case_link",
            subject=f"A case of {case.unit.name} was linked to {other.number}",
            body=f"{LinkKind(kind).label}: an investigator linked a case of {case.unit.name} to "
            f"your case {other.number}. Contact: {_contact(actor)}.",
            link=reverse("cases:detail", args=[other.number]) + "#linked-cases",
            dedupe_key=f"case-link:{link.pk}",
        )
    return link


@transaction.atomic
def case_link_remove(*, actor, link: CaseLink, case: Case) -> None:
    """Remove a link from the side of ``case`` (one of its two cases, which the actor works)."""
    if case.pk not in (link.from_case_id, link.to_case_id):
        raise NotFound("No such link on this case.")
    _require_worker(actor, case)
    if case.is_closed:
        raise DomainError(f"{case.number} is closed; it can no longer be changed.")
    other_id = link.to_case_id if case.pk == link.from_case_id else link.from_case_id
    details = {"kind": link.kind, "from_case": link.from_case_id, "to_case": link.to_case_id}
    for case_id in (case.pk, other_id):
        audit_record(
            actor=actor,
            action="case.unlink",
            object_type="linked_cases.caselink",
            object_id=str(link.pk),
            case_id=case_id,
            details=details,
        )
    link.delete()


@transaction.atomic
def case_links_move_case(*, actor, duplicate, original) -> int:
    """A merge (``CaseMerged``): the duplicate's links now join the original; a link between
    the two, or to a case the original is already linked to, is dropped."""
    links = list(
        CaseLink.objects.select_for_update().filter(Q(from_case=duplicate) | Q(to_case=duplicate))
    )
    linked = set()
    for a, b in CaseLink.objects.filter(Q(from_case=original) | Q(to_case=original)).values_list(
        "from_case_id", "to_case_id"
    ):
        linked |= {a, b}
    moved = 0
    for link in links:
        other = link.to_case_id if link.from_case_id == duplicate.pk else link.from_case_id
        if other == original.pk or other in linked:
            link.delete()
            continue
        if link.from_case_id == duplicate.pk:
            link.from_case = original
        else:
            link.to_case = original
        link.save(update_fields=["from_case", "to_case", "updated_at"])
        linked.add(other)
        moved += 1
    if links:
        audit_record(
            actor=actor,
            action="case.links_move",
            target=original,
            case_id=original.pk,
            details={"from": duplicate.number, "moved": moved, "dropped": len(links) - moved},
        )
    return moved
