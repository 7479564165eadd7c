"""Reads of evidence and custody, access decided by the item's case.

Everything here inherits its case's need-to-know through ``case_visibility_q``: an item, event or
report of a case one may not see is absent from lists and answers 404. Viewing an item, a custody
report or an export writes an audit event (they reveal the chain of a sensitive case).
"""

from __future__ import annotations

from django.db.models import (
    Count,
    Func,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.urls import reverse

from casework.audit.services import audit_record
from casework.cases.closure import OpenItem
from casework.cases.models import Case
from casework.cases.selectors import (
    CaseFact,
    CaseSection,
    case_get_for,
    case_visibility_q,
    view_details,
)
from casework.core.errors import NotFound

from .choices import ItemState
from .models import CustodyEvent, CustodySignOff, EvidenceHash, EvidenceItem, EvidenceStore


def evidence_visibility_q(user) -> Q:
    return case_visibility_q(user, prefix="case__")


def items_visible_to(user) -> QuerySet[EvidenceItem]:
    return EvidenceItem.objects.filter(evidence_visibility_q(user))


def item_list(*, user, case: Case | None = None, mismatch_only: bool = False):
    items = items_visible_to(user).select_related(
        "case", "store", "current_holder", "root_item", "last_event"
    )
    if case is not None:
        items = items.filter(case=case)
    if mismatch_only:
        items = items.filter(hash_mismatch=True)
    return items.order_by("case__number", "exhibit_number", "id")


def _chain_prefetch() -> list:
    return [
        Prefetch("hashes", queryset=EvidenceHash.objects.select_related("recorded_by")),
        Prefetch(
            "events",
            queryset=CustodyEvent.objects.select_related(
                "released_by",
                "received_by",
                "recorded_by",
                "second_signature_by",
                "change_made_by",
                "corrects",
                "acknowledgement__acknowledged_by",
            ).order_by("sequence"),
        ),
        Prefetch(
            "sign_offs",
            queryset=CustodySignOff.objects.select_related("requested_by", "decided_by").order_by(
                "-created_at"
            ),
        ),
    ]


def item_get_for(*, user, public_id, audit: bool = True) -> EvidenceItem:
    """One item with its hashes and chain, if ``user`` may see its case; else NotFound."""
    item = (
        items_visible_to(user)
        .select_related(
            "case",
            "case__unit",
            "case__lead",
            "store",
            "current_holder",
            "seized_by",
            "root_item",
            "last_event",
        )
        .prefetch_related(*_chain_prefetch())
        .filter(public_id=public_id)
        .first()
    )
    if item is None:
        raise NotFound("No evidence item that you can see.")
    if audit:
        audit_record(
            actor=user,
            action="evidence_item.view",
            target=item,
            case_id=item.case_id,
            details=view_details(user, item.case, exhibit=item.exhibit_number),
        )
    return item


def case_items_with_chains(*, user, number: str) -> tuple[Case, list[EvidenceItem]]:
    """A visible case and all its items with hashes and chains, in bounded queries."""
    case = case_get_for(user=user, number=number)
    items = list(
        EvidenceItem.objects.filter(case=case)
        .select_related("store", "current_holder", "seized_by", "root_item", "last_event")
        .prefetch_related(*_chain_prefetch())
        .order_by("exhibit_number", "id")
    )
    return case, items


def event_get_for(*, user, pk: int) -> CustodyEvent:
    event = (
        CustodyEvent.objects.filter(case_visibility_q(user, prefix="item__case__"))
        .select_related("item", "item__case")
        .filter(pk=pk)
        .first()
    )
    if event is None:
        raise NotFound("No custody event that you can see.")
    return event


def sign_off_get_for(*, user, pk: int) -> CustodySignOff:
    sign_off = (
        CustodySignOff.objects.filter(case_visibility_q(user, prefix="item__case__"))
        .select_related("item", "item__case", "item__case__unit", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if sign_off is None:
        raise NotFound("No request that you can see.")
    return sign_off


def pending_sign_offs(*, user) -> QuerySet[CustodySignOff]:
    return (
        CustodySignOff.objects.filter(case_visibility_q(user, prefix="item__case__"))
        .filter(state="pending")
        .select_related("item", "item__case", "requested_by")
        .order_by("created_at")
    )


def awaiting_acknowledgement(*, user) -> QuerySet[CustodyEvent]:
    """Hand-overs to ``user`` that they have not yet acknowledged."""
    return (
        CustodyEvent.objects.filter(received_by=user, acknowledgement__isnull=True)
        .filter(case_visibility_q(user, prefix="item__case__"))
        .select_related("item", "item__case", "released_by")
        .order_by("started_at")
    )


def stores_for_choice() -> QuerySet[EvidenceStore]:
    return EvidenceStore.objects.filter(is_active=True).order_by("name")


def store_list() -> QuerySet[EvidenceStore]:
    return EvidenceStore.objects.annotate(item_count=Count("items")).order_by("name")


def case_open_items(*, case) -> list[OpenItem]:
    """For the closure checklist: hand-overs nobody acknowledged, exhibits still in custody
    (neither returned to their owner nor disposed), and every hash mismatch."""
    items: list[OpenItem] = []
    for event in (
        CustodyEvent.objects.filter(
            item__case=case, received_by__isnull=False, acknowledgement__isnull=True
        )
        .select_related("item", "received_by")
        .order_by("started_at", "pk")
    ):
        items.append(
            OpenItem(
                key=f"handover:{event.pk}",
                group="handover",
                label=f"Exhibit {event.item.exhibit_number}: {event.get_kind_display().lower()} "
                f"to {event.received_by.get_username()}, not acknowledged",
                url=reverse("custody:item", args=[event.item.public_id]),
            )
        )
    for item in (
        EvidenceItem.objects.filter(case=case)
        .filter(Q(state=ItemState.IN_CUSTODY) | Q(hash_mismatch=True))
        .order_by("exhibit_number", "pk")
    ):
        url = reverse("custody:item", args=[item.public_id])
        if item.state == ItemState.IN_CUSTODY:
            items.append(
                OpenItem(
                    key=f"item:{item.pk}",
                    group="item",
                    label=f"Exhibit {item.exhibit_number} is still in custody",
                    url=url,
                )
            )
        if item.hash_mismatch:
            items.append(
                OpenItem(
                    key=f"hash:{item.pk}",
                    group="hash",
                    label=f"Exhibit {item.exhibit_number}: a hash did not match the store's",
                    url=url,
                )
            )
    return items


def case_section(*, user, case):
    """The case page's evidence: a short list with each exhibit's holder, and the findings a
    closing investigator must face (hash mismatches, hand-overs not acknowledged); the full
    chain and its gaps are in the custody report."""
    # The page read ``case`` through the case selector for ``user``, and an exhibit of a case
    # the user may see is one the user may see (``evidence_visibility_q``), so the case alone
    # selects them. The counts ride on the list as window counts over all the case's items.
    unacknowledged = (
        CustodyEvent.objects.filter(
            item__case=case, received_by__isnull=False, acknowledgement__isnull=True
        )
        .order_by()
        .annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
        .values("n")
    )
    shown = list(
        EvidenceItem.objects.filter(case=case)
        .select_related("current_holder")
        .only(
            "public_id",
            "exhibit_number",
            "kind",
            "state",
            "hash_mismatch",
            "current_holder__username",
        )
        .annotate(
            unacknowledged=Subquery(unacknowledged),
            total=Window(Count("pk")),
            in_custody=Window(Count("pk", filter=Q(state=ItemState.IN_CUSTODY))),
            mismatches=Window(Count("pk", filter=Q(hash_mismatch=True))),
        )
        .order_by("exhibit_number", "id")[:8]
    )
    counts = {
        "total": shown[0].total if shown else 0,
        "in_custody": shown[0].in_custody if shown else 0,
        "mismatches": shown[0].mismatches if shown else 0,
        "unacknowledged": shown[0].unacknowledged if shown else 0,
    }
    facts = []
    findings = []
    if counts["mismatches"]:
        findings.append(f"{counts['mismatches']} hash mismatch(es)")
    if counts["unacknowledged"]:
        findings.append(f"{counts['unacknowledged']} hand-over(s) not acknowledged")
    if findings:
        facts.append(
            CaseFact(
                label="Evidence findings", text=", ".join(findings), url="#evidence", alert=True
            )
        )
    return CaseSection(
        order=30,
        anchor="evidence",
        title="Evidence",
        template="custody/_case_section.html",
        context={
            "items": shown,
            "counts": counts,
            "more": counts["total"] - len(shown),
            "list_url": reverse("custody:case-items", args=[case.number]),
            "report_url": reverse("custody:case-report", args=[case.number]),
            "create_url": reverse("custody:item-create", args=[case.number]),
        },
        facts=facts,
    )
