"""The case page's header and the sections other apps contribute to it.

Deadlines, partner requests, evidence and the rest come from their apps: each ``AppConfig``
sets ``case_section`` in ``ready()``, so cases, below them, never imports them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce

from ..models import Case, CaseIdentifier, CaseNote, CaseSubject, CaseTask
from .access import cases_visible_to
from .records import case_assignees


@dataclass(frozen=True)
class CaseFact:
    """One line of the case header another app contributes (``Next deadline``, ``Overdue``).
    ``due`` is shown with its time left; ``alert`` marks what needs acting on."""

    label: str
    text: str = ""
    url: str = ""
    due: datetime | None = None
    alert: bool = False


@dataclass
class CaseSection:
    """One panel of the case page from another app: its template is rendered with
    ``section`` (this object) in the page's context."""

    order: int
    anchor: str
    title: str
    template: str
    context: dict
    facts: list[CaseFact]


@dataclass
class CaseHeader:
    assignees: list
    referrals: list
    matches: list[Case]
    counts: dict
    sections: list[CaseSection]

    @property
    def facts(self) -> list[CaseFact]:
        return [fact for section in self.sections for fact in section.facts]


def _deconfliction_hits(*, user, case: Case) -> list[Case]:
    """Other cases the viewer may see that hold one of this case's identifiers. Cases the viewer
    may not see are left out: their existence is told (with the lead to call) only by running
    deconfliction, which is audited and notifies the other side."""
    shared = CaseIdentifier.objects.filter(
        case=case, kind=OuterRef("kind"), fingerprint=OuterRef("fingerprint")
    )
    held = CaseIdentifier.objects.filter(Exists(shared)).exclude(case=case).values("case_id")
    return list(
        cases_visible_to(user).filter(pk__in=held).only("number", "title").order_by("number")[:20]
    )


def _count_of(model, **filters):
    rows = (
        model.objects.filter(case=OuterRef("pk"), **filters)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def case_referrals(case: Case) -> list:
    """The referrals accepted into ``case`` (id and reference), oldest first; read once per
    case object, since the header and the partner-request panel both need them."""
    cached = getattr(case, "_referrals", None)
    if cached is None:
        cached = case._referrals = list(
            case.referrals.order_by("received_at", "pk").only("pk", "case_id", "source_reference")
        )
    return cached


def case_header(*, user, case: Case) -> CaseHeader:
    """Everything the case page shows above and beside its tabs, in a bounded number of
    queries whatever the case holds. Deadlines, partner requests and evidence come from their
    apps (each ``AppConfig`` sets ``case_section`` to ``(*, user, case) -> CaseSection`` in
    ``ready()``), as ``case_open_items`` does, so cases does not import them.

    ``case`` was read through ``case_view`` for ``user``: every record that hangs off a case
    is visible exactly when its case is, so a provider selects by the case alone and does not
    test need-to-know again (on national data the repeated test cost most of the page)."""
    sections = []
    for config in apps.get_app_configs():
        provider = getattr(config, "case_section", None)
        if provider is not None:
            sections.append(provider(user=user, case=case))
    sections.sort(key=lambda section: section.order)
    counts = (
        Case.objects.filter(pk=case.pk)
        .values()
        .annotate(
            open_tasks=_count_of(CaseTask, done_at__isnull=True),
            tasks=_count_of(CaseTask),
            subjects=_count_of(CaseSubject),
            identifiers=_count_of(CaseIdentifier),
            notes=_count_of(CaseNote),
        )
        .values("open_tasks", "tasks", "subjects", "identifiers", "notes")
        .get()
    )
    return CaseHeader(
        assignees=list(case_assignees(case)),
        referrals=case_referrals(case),
        matches=_deconfliction_hits(user=user, case=case),
        counts=counts,
        sections=sections,
    )


def case_template_choices(*, user) -> list[tuple[str, str]]:
    """Templates to offer when opening a case, from the app that keeps them (its
    ``AppConfig`` sets ``case_template_choices``); cases does not import it."""
    choices: list[tuple[str, str]] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "case_template_choices", None)
        if provider is not None:
            choices.extend(provider(user=user))
    return choices
