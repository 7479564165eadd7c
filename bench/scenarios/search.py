"""The search box (issue 16): the page for a part of a case number, an identifier typed
without its service, and a referral's reference, as an investigator and a supervisor."""

from __future__ import annotations

from urllib.parse import urlencode

from casework.cases.models import Case, CaseIdentifier
from casework.cases.selectors import cases_visible_to
from casework.referrals.models import Referral
from casework.referrals.selectors import referrals_visible_to

from .base import NotBuilt, Result, Run, import_or_not_built, page, scenario, url_or_not_built

# Issue 16 names no millisecond figure: the harness's page budget, so a regression still shows.
PAGE_BUDGET_MS = 500
SHOWN = 20


def _queries(user) -> list[tuple[str, str, object]]:
    """(label, query, baseline) for what ``user`` would plausibly type."""
    contains_text_q = import_or_not_built("casework.core.trigrams", "contains_text_q")
    case = cases_visible_to(user).order_by("-opened_at", "-id").first()
    if case is None:
        raise NotBuilt(f"no case visible to {user.username}")
    fragment = case.number[-6:]
    found = []
    found.append(
        (
            f"part of a case number ({fragment})",
            fragment,
            lambda: list(
                Case.objects.filter(contains_text_q("number", fragment)).order_by("-opened_at")[
                    :SHOWN
                ]
            ),
        )
    )
    identifier = (
        CaseIdentifier.objects.filter(case__in=cases_visible_to(user), kind="screen_name")
        .exclude(service="")
        .order_by("id")
        .first()
    )
    if identifier is not None:
        name = identifier.normal_value.split(":", 1)[-1]
        typed = name.capitalize()
        found.append(
            (
                f"a user name without its service ({typed})",
                typed,
                lambda: list(
                    CaseIdentifier.objects.filter(
                        kind="screen_name", name_fingerprint=identifier.name_fingerprint
                    )[:SHOWN]
                ),
            )
        )
    referral = referrals_visible_to(user).order_by("-received_at", "-id").first()
    if referral is not None:
        reference = referral.source_reference
        found.append(
            (
                f"a referral reference ({reference})",
                reference,
                lambda: list(
                    Referral.objects.filter(
                        contains_text_q("source_reference", reference)
                    ).order_by("-received_at")[:SHOWN]
                ),
            )
        )
    return found


@scenario("pages.search", issue="16")
def search(run: Run) -> list[Result]:
    url = url_or_not_built(("search:search", {}))
    results = []
    for role in ("investigator", "supervisor"):
        for label, query, baseline in _queries(run.personas[role]):
            results.append(
                page(
                    run,
                    name="pages.search",
                    label=f"Search: {label}",
                    role=role,
                    url=f"{url}?{urlencode({'q': query})}",
                    target_ms=PAGE_BUDGET_MS,
                    target_source="harness budget",
                    baseline=baseline,
                    baseline_label="the same lookup on one table, no permissions, no audit",
                )
            )
    return results
