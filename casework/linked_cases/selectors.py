"""What a person sees of a case's links: everything of a linked case they may see, and of one
they may not only that the link exists, its unit and its lead's contact (as deconfliction)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from casework.accounts.models import Unit
from casework.cases.choices import TransferStatus
from casework.cases.models import Case, CaseIdentifier, CaseTransfer
from casework.cases.selectors import CaseSection, case_visibility_q, is_unit_supervisor
from casework.core.errors import NotFound

from .choices import REVERSE_LABELS, LinkKind
from .models import CaseLink

CANDIDATE_LIMIT = 20
_SALT = "linked_cases.candidate"


@dataclass(frozen=True)
class OtherCase:
    """The other side of a link or a candidate, as the viewer may see it."""

    visible: bool
    unit: str
    lead_name: str
    lead_email: str
    lead_phone: str
    number: str | None = None
    title: str | None = None


def _other(case: Case, visible: bool) -> OtherCase:
    lead = case.lead
    return OtherCase(
        visible=visible,
        unit=case.unit.name,
        lead_name=lead.get_full_name() or lead.get_username(),
        lead_email=lead.email,
        lead_phone=getattr(lead, "phone", ""),
        number=case.number if visible else None,
        title=case.title if visible else None,
    )


@dataclass(frozen=True)
class LinkRow:
    pk: int
    kind: str
    label: str
    other: OtherCase
    created_at: object
    # This case is a duplicate of the other, of the same unit: a supervisor may merge it.
    mergeable: bool = False


def _visible(user) -> ExpressionWrapper:
    return ExpressionWrapper(case_visibility_q(user), output_field=BooleanField())


def links_for(*, user, case: Case) -> list[LinkRow]:
    """The case's links (the caller has checked the case itself is visible), each other side
    with whether the viewer may see it.

    Most cases have no link, and the case page asks on every view: the links themselves are
    read first with a plain query, and only when there are some are their other cases read,
    with their unit, lead and visibility (building that query cost the page about 4 ms of
    Python at national scale, with nothing to find)."""
    links = list(
        CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case))
        .only("id", "kind", "created_at", "from_case_id", "to_case_id")
        .order_by("created_at", "id")
    )
    if not links:
        return []
    others = {
        link.to_case_id if link.from_case_id == case.pk else link.from_case_id for link in links
    }
    cases = _others_with_visibility(user, others)
    rows = []
    supervises = is_unit_supervisor(user, case.unit_id)
    for link in links:
        outgoing = link.from_case_id == case.pk
        other = cases[link.to_case_id if outgoing else link.from_case_id]
        label = (
            LinkKind(link.kind).label
            if outgoing
            else REVERSE_LABELS.get(link.kind, LinkKind(link.kind).label)
        )
        mergeable = (
            outgoing
            and link.kind == LinkKind.DUPLICATE_OF
            and other.unit_id == case.unit_id
            and not case.is_closed
            and not other.is_closed
            and supervises
        )
        rows.append(
            LinkRow(
                link.pk, link.kind, label, _other(other, other.visible), link.created_at, mergeable
            )
        )
    return rows


def _others_with_visibility(user, ids) -> dict[int, Case]:
    """The cases ``ids`` with their unit and lead, each annotated ``visible`` for ``user``."""
    return {
        other.pk: other
        for other in Case.objects.filter(pk__in=ids)
        .select_related("unit", "lead")
        .annotate(visible=_visible(user))
    }


def shares_identifier(case: Case, other: Case) -> bool:
    shared = CaseIdentifier.objects.filter(
        case=other, kind=OuterRef("kind"), fingerprint=OuterRef("fingerprint")
    )
    return CaseIdentifier.objects.filter(Exists(shared), case=case).exists()


@dataclass(frozen=True)
class Candidate:
    token: str
    other: OtherCase


def link_token(*, user, case: Case, other: Case) -> str:
    """An opaque handle for a case the viewer may not see: signed for this viewer and case,
    so it can neither be forged nor carried to another case or person."""
    return signing.dumps({"o": other.pk, "c": case.pk, "u": user.pk}, salt=_SALT)


def case_from_token(*, user, case: Case, token: str, max_age: int = 86_400) -> Case:
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        raise NotFound("No such case that you can see.") from None
    if data.get("c") != case.pk or data.get("u") != user.pk:
        raise NotFound("No such case that you can see.")
    other = Case.objects.select_related("unit", "lead").filter(pk=data.get("o")).first()
    if other is None:
        raise NotFound("No such case that you can see.")
    return other


def link_candidates(*, user, case: Case) -> list[Candidate]:
    """Cases holding one of this case's identifiers (deconfliction hits), not linked yet:
    "link these cases". Their ids come from the deconfliction index in a plain query; only
    when there are some are the cases read with their unit, lead and visibility (most cases
    share no identifier with another, and the case page asks on every view)."""
    shared = CaseIdentifier.objects.filter(
        case=case, kind=OuterRef("kind"), fingerprint=OuterRef("fingerprint")
    )
    linked_to = CaseLink.objects.filter(from_case=case).values("to_case_id")
    linked_from = CaseLink.objects.filter(to_case=case).values("from_case_id")
    ids = list(
        CaseIdentifier.objects.filter(Exists(shared))
        .exclude(case=case)
        .exclude(case__in=linked_to)
        .exclude(case__in=linked_from)
        .order_by("case_id")
        .values_list("case_id", flat=True)
        .distinct()[:CANDIDATE_LIMIT]
    )
    if not ids:
        return []
    cases = _others_with_visibility(user, ids)
    return [
        Candidate(link_token(user=user, case=case, other=other), _other(other, other.visible))
        for other in (cases[pk] for pk in ids)
    ]


def link_get_for(*, user, case: Case, pk: int) -> CaseLink:
    link = CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case), pk=pk).first()
    if link is None:
        raise NotFound("No such link on this case.")
    return link


# --- Transfers between units ----------------------------------------------------------------


def transfers_incoming(user) -> list[CaseTransfer]:
    """Proposals awaiting the user's unit: its supervisors decide them."""
    if not is_unit_supervisor(user, user.unit_id):
        return []
    return list(
        CaseTransfer.objects.filter(to_unit_id=user.unit_id, status=TransferStatus.PENDING)
        .select_related("from_unit", "proposed_by", "case")
        .order_by("created_at", "id")[:200]
    )


def transfers_outgoing(user) -> list[CaseTransfer]:
    """What the user's unit offered or handed away: the read-only stubs of cases that left."""
    if not is_unit_supervisor(user, user.unit_id):
        return []
    return list(
        CaseTransfer.objects.filter(from_unit_id=user.unit_id)
        .select_related("to_unit", "proposed_by", "decided_by", "new_lead")
        .order_by("-created_at", "-id")[:200]
    )


def transfer_get_for(*, user, pk: int) -> CaseTransfer:
    transfer = CaseTransfer.objects.filter(pk=pk, to_unit_id=user.unit_id).first()
    if transfer is None or not is_unit_supervisor(user, user.unit_id):
        raise NotFound("No transfer awaiting your unit.")
    return transfer


def other_units(case: Case):
    return Unit.objects.exclude(pk=case.unit_id).order_by("name")


def case_section(*, user, case: Case) -> CaseSection:
    supervises = is_unit_supervisor(user, case.unit_id)
    return CaseSection(
        order=40,
        anchor="linked-cases",
        title="Linked cases",
        template="linked_cases/_case_section.html",
        context={
            "links": links_for(user=user, case=case),
            "candidates": link_candidates(user=user, case=case) if not case.is_closed else [],
            "kinds": LinkKind.choices,
            # Only a supervisor of the unit offers the case: nobody else pays for the query.
            "can_transfer": supervises and not case.is_closed,
            "units": other_units(case) if supervises else [],
            "pending_transfer": CaseTransfer.objects.filter(
                case=case, status=TransferStatus.PENDING
            )
            .select_related("to_unit")
            .first()
            if supervises
            else None,
        },
        facts=[],
    )
