"""Permission-aware reads: exchanges (supervisors, administrators), keys (administrators),
hits (through their case's need-to-know)."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.cases.models import CaseIdentifier
from casework.cases.selectors import CaseFact, CaseSection
from casework.core.errors import NotFound
from casework.partners.key_models import PartnerInstallation
from casework.privacy.selectors import attach_ciphers

from .models import PointerExchange, PointerHit

EXCHANGES_SHOWN = 50


def may_see_exchanges(user) -> bool:
    return user.is_authenticated and (
        user.has_role("supervisor", "administrator") or user.is_superuser
    )


def may_manage_keys(user) -> bool:
    return (
        user.is_authenticated
        and not getattr(user, "is_service_account", False)
        and (user.has_role("administrator") or user.is_superuser)
    )


def exchanges_for(*, user, before: int | None = None) -> list[PointerExchange]:
    """The latest exchanges, newest first (keyset by id). 404 for anyone else."""
    if not may_see_exchanges(user):
        raise NotFound()
    rows = PointerExchange.objects.select_related("installation__agency", "actor").order_by("-pk")
    if before:
        rows = rows.filter(pk__lt=before)
    return list(rows[:EXCHANGES_SHOWN])


def installations_for(*, user) -> QuerySet[PartnerInstallation]:
    if not may_manage_keys(user):
        raise NotFound()
    return (
        PartnerInstallation.objects.select_related("agency", "service_account")
        .prefetch_related("keys")
        .order_by("issuer")
    )


def installation_for(*, user, pk: int) -> PartnerInstallation:
    installation = installations_for(user=user).filter(pk=pk).first()
    if installation is None:
        raise NotFound()
    return installation


def installation_of_caller(user) -> PartnerInstallation:
    """The partner whose installation this API caller is; 404 for anyone else."""
    if not getattr(user, "is_service_account", False):
        raise NotFound()
    installation = (
        PartnerInstallation.objects.filter(service_account=user, revoked_at__isnull=True)
        .select_related("agency")
        .first()
    )
    if installation is None:
        raise NotFound()
    return installation


def case_section(*, user, case):
    """The case page's hits in partner agencies' pointer sets: whom to call, never their case.

    ``case`` was read through ``case_view`` for ``user``: its hits are visible with it."""
    hits = list(
        PointerHit.objects.filter(case=case)
        .select_related("identifier", "installation__agency")
        .order_by("-created_at", "-pk")[:20]
    )
    # The identifiers' values are shown: their cases' data keys in one query, not one a hit.
    attach_ciphers(
        [hit.identifier for hit in hits], scope=CaseIdentifier.privacy_scope, owner_attr="case_id"
    )
    open_hits = sum(1 for hit in hits if hit.confirmed_at is None)
    facts = (
        [
            CaseFact(
                label="Partner agencies", text=f"{open_hits} hit(s) to confirm", url="#partner-hits"
            )
        ]
        if open_hits
        else []
    )
    return CaseSection(
        order=25,
        anchor="partner-hits",
        title="Held by partner agencies",
        template="cooperation/_case_section.html",
        context={"hits": hits, "can_confirm": not getattr(user, "is_service_account", False)},
        facts=facts,
    )
