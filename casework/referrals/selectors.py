"""Need-to-know for referrals: the receiving unit until accepted, then the case's access.

Threat: an investigator reading another unit's intake (reports name people who are not yet
suspects of anything). Every page, API route, filter, count and export of referrals goes through
``referral_visibility_q``; a referral one may not see is absent from lists and answers 404.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from casework.accounts.choices import Role
from casework.audit.services import audit_record
from casework.cases.selectors import (
    case_visibility_q,
    visible_case_ids,
    visible_case_ids_as_set,
)
from casework.core.errors import DomainError, NotFound
from casework.core.queries import InArray

from .choices import OPEN_STATUSES, ReferralStatus
from .models import Referral


def referral_visibility_q(user, *, prefix: str = "", semi_join: bool = False) -> Q:
    """A ``Q`` selecting the referrals ``user`` may see; ``prefix`` is the path to the referral
    (``"referral__"`` from a model with a ``referral`` foreign key), so a related list joins the
    referral instead of testing its id against every referral the user may see.

    ``semi_join`` is the form for aggregates over many rows (the oversight figures): the
    referral's case is tested against the visible case ids (see ``case_visibility_q``), and
    from a related model (a clock, a partner request) the referral's id is tested against two
    sets read from indexes: the unit's referrals without a case, and the referrals of the
    visible cases. Joined instead, inside the OR of the arms, PostgreSQL either probed the
    referral of every row or hashed every referral of every unit (issue 26)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if prefix and semi_join:
        # The arms of ``referral_visibility_arms``, each as a set of referral ids. The
        # referrals of the visible cases are probed case by case (``referral_case_idx`` against
        # the array of visible case ids): as a semi-join PostgreSQL read every referral that
        # has a case, in every unit.
        # The unit's referrals without a case come first: most clocks hang off one (the
        # triage queue), and PostgreSQL tests the arms of an OR in the order written.
        of_visible_cases = Referral.objects.filter(
            InArray(F("case"), visible_case_ids_as_set(user))
        )
        visible = Q(**{f"{prefix}in": of_visible_cases.values("pk")})
        if _sees_unit_queue(user):
            waiting = Referral.objects.filter(case__isnull=True, unit_id=user.unit_id)
            visible = Q(**{f"{prefix}in": waiting.values("pk")}) | visible
        return visible
    visible = Q(**{f"{prefix}case__isnull": False}) & case_visibility_q(
        user, prefix=f"{prefix}case__", semi_join=semi_join, or_arm=True
    )
    if _sees_unit_queue(user):
        visible |= Q(**{f"{prefix}case__isnull": True, f"{prefix}unit_id": user.unit_id})
    return visible


def _sees_unit_queue(user) -> bool:
    return user.unit_id is not None and user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR)


def referral_visibility_arms(user) -> list[Q]:
    """``referral_visibility_q`` as disjoint arms, each read from an index: referrals of the
    cases the user may see (a semi-join with the visible case ids), and the unit's referrals
    without a case (the indexes that lead with the unit). Their OR is the
    visibility; lists that take the first rows of each arm and merge them read a page from
    indexes where the OR made PostgreSQL read and sort every candidate."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    arms = [Q(case__isnull=False, case__in=visible_case_ids(user))]
    if _sees_unit_queue(user):
        arms.append(Q(case__isnull=True, unit_id=user.unit_id))
    return arms


def referrals_visible_to(user) -> QuerySet[Referral]:
    return Referral.objects.filter(referral_visibility_q(user))


def referral_get_for(*, user, pk: int) -> Referral:
    referral = referrals_visible_to(user).select_related("unit", "case").filter(pk=pk).first()
    if referral is None:
        raise NotFound("No such referral that you can see.")
    return referral


def referral_detail_for(*, user, pk: int) -> Referral:
    """A referral for its detail page or API view, with the view written to the audit trail."""
    referral = (
        referrals_visible_to(user)
        .select_related("unit", "case", "incident_type", "created_by", "triaged_by")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise NotFound("No such referral that you can see.")
    audit_record(actor=user, action="referral.view", target=referral, case_id=referral.case_id)
    return referral


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters. ``status`` "open" (the default) means new or in triage."""

    status: str = "open"
    priority: str = ""
    source_kind: str = ""
    overdue: bool = False

    def as_query(self) -> dict[str, str]:
        query = {"status": self.status}
        if self.priority:
            query["priority"] = self.priority
        if self.source_kind:
            query["source_kind"] = self.source_kind
        if self.overdue:
            query["overdue"] = "1"
        return query


def referral_queue(*, user, filters: QueueFilters, now: datetime | None = None) -> QuerySet:
    """Visible referrals matching ``filters``, the least time left first."""
    return _filtered(
        referrals_visible_to(user).select_related("incident_type", "case", "unit"), filters, now
    )


def _filtered(queryset: QuerySet, filters: QueueFilters, now: datetime | None) -> QuerySet:
    now = now or timezone.now()
    if filters.status == "open":
        queryset = queryset.filter(status__in=sorted(OPEN_STATUSES))
    elif filters.status and filters.status != "all":
        queryset = queryset.filter(status=filters.status)
    if filters.priority:
        queryset = queryset.filter(priority=filters.priority)
    if filters.source_kind:
        queryset = queryset.filter(source_kind=filters.source_kind)
    if filters.overdue:
        queryset = queryset.filter(status__in=sorted(OPEN_STATUSES), triage_due_at__lt=now)
    return queryset.order_by("triage_due_at", "id")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(referral: Referral) -> str:
    due = referral.triage_due_at.isoformat() if referral.triage_due_at else None
    raw = json.dumps([due, referral.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after_cursor(queryset: QuerySet, cursor: str) -> QuerySet:
    """Keyset continuation after the row ``cursor`` points at, in (triage_due_at, id) order."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        due_text, last_id = json.loads(base64.urlsafe_b64decode(padded))
        due = datetime.fromisoformat(due_text) if due_text else None
        last_id = int(last_id)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise DomainError(
            "The page link is damaged; start from the first page.", field="after"
        ) from None
    if due is None:  # rows without a clock sort last
        return queryset.filter(triage_due_at__isnull=True, id__gt=last_id)
    return queryset.filter(
        Q(triage_due_at__gt=due)
        | Q(triage_due_at=due, id__gt=last_id)
        | Q(triage_due_at__isnull=True)
    )


QUEUE_ORDER = ("triage_due_at", "id")


class QueueRows:
    """The queue's rows for ``user``: a queryset's ``filter``, ``order_by`` and slices, with
    the first rows read arm by arm of need-to-know (``referral_visibility_arms``).

    Each arm, with the queue's filters, comes out of one index in queue order, so a slice
    ``[start:stop]`` reads at most ``stop`` entries per arm in one ``UNION ALL`` query, keeps
    the first ``stop`` ids of those, and loads them through the whole need-to-know filter:
    exactly the single query's rows. Asked as one query with the arms ORed, PostgreSQL read
    and sorted every waiting referral the filters let through (issue 26). Any other order or
    access goes to the single query. The page and the API's cursor pagination both use it."""

    def __init__(self, queryset: QuerySet, pieces: list[QuerySet], ordering=QUEUE_ORDER):
        self.queryset, self.pieces, self.ordering = queryset, pieces, tuple(ordering)

    @classmethod
    def for_user(
        cls, *, user, filters: QueueFilters, queryset: QuerySet | None = None
    ) -> QueueRows:
        """``queryset``: the queue as ``referral_queue`` made it, when the caller has it. The
        arms are built after it, so a clock falling due in between is in an arm as well."""
        if queryset is None:
            queryset = referral_queue(user=user, filters=filters)
        now = timezone.now()
        pieces = [
            _filtered(Referral.objects.filter(arm), filters, now)
            for arm in referral_visibility_arms(user)
        ]
        return cls(queryset, pieces)

    def order_by(self, *fields: str) -> QueueRows:
        return QueueRows(self.queryset.order_by(*fields), self.pieces, fields)

    def filter(self, *args, **kwargs) -> QueueRows:
        return QueueRows(
            self.queryset.filter(*args, **kwargs),
            [piece.filter(*args, **kwargs) for piece in self.pieces],
            self.ordering,
        )

    def only(self, *fields: str) -> QueueRows:
        """The rows with only ``fields`` loaded (the arms read ids and sort keys alone)."""
        related = {field.split("__")[0] for field in fields if "__" in field}
        queryset = self.queryset.select_related(None).select_related(*sorted(related))
        return QueueRows(queryset.only(*fields), self.pieces, self.ordering)

    def after(self, cursor: str) -> QueueRows:
        return QueueRows(
            after_cursor(self.queryset, cursor),
            [after_cursor(piece, cursor) for piece in self.pieces],
            self.ordering,
        )

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.stop is None or self.ordering != QUEUE_ORDER:
            return self.queryset.order_by(*self.ordering)[item]
        ids = self._first_ids(item.stop)
        rows = list(self.queryset.filter(pk__in=ids).order_by(*QUEUE_ORDER)) if ids else []
        return rows[item]

    def _first_ids(self, limit: int) -> list[int]:
        firsts = [
            piece.order_by(*QUEUE_ORDER).values_list(*QUEUE_ORDER)[:limit] for piece in self.pieces
        ]
        if not firsts:
            return []
        merged = firsts[0].union(*firsts[1:], all=True) if len(firsts) > 1 else firsts[0]
        # PostgreSQL sorts referrals without a clock last (NULLS LAST for ascending order).
        order = sorted(set(merged), key=lambda row: (row[0] is None, row[0] or _EPOCH, row[1]))
        return [pk for _, pk in order[:limit]]


# What a row of the queue page shows (``referrals_tags.referral_rows``) and its cursor: the
# rest of a referral, its unit and most of its case are not read. A referral's whole row and
# its case's cost the page about a fifth of its Python (a model and a dozen times parsed per
# row), for fields nobody sees there.
PAGE_FIELDS = (
    "triage_due_at",
    "status",
    "priority",
    "escalation_requested",
    "source_kind",
    "source_agency",
    "source_reference",
    "received_at",
    "case__number",
    "incident_type__name",
)


def referral_page(
    *, user, filters: QueueFilters, after: str = "", size: int = 50
) -> tuple[list[Referral], str]:
    """One page of the queue and the cursor of the next page ("" on the last)."""
    queue = QueueRows.for_user(user=user, filters=filters).only(*PAGE_FIELDS)
    if after:
        queue = queue.after(after)
    rows = queue[: size + 1]
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else ""
    return rows[:size], next_cursor


def referral_status_counts(*, user) -> dict[str, int]:
    """Open referrals per status for the home panel (visible ones only)."""
    rows = (
        referrals_visible_to(user)
        .filter(status__in=sorted(OPEN_STATUSES))
        .values("status")
        .annotate(n=Count("id"))
    )
    counts = {ReferralStatus.NEW.value: 0, ReferralStatus.IN_TRIAGE.value: 0}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
