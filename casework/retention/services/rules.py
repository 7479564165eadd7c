"""The retention schedule: versioned rules, changed by administrators."""

from __future__ import annotations

from django.db import transaction

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.core.errors import DomainError
from casework.core.validation import check_integer, clean_text

from ..choices import OUTCOMES, RecordKind
from ..models import MAX_REVIEW_MONTHS, RetentionRule

BASIS_LIMIT = 300


@transaction.atomic
def retention_rule_change(
    *,
    actor: User,
    record_kind: str,
    outcome: str,
    review_months,
    basis: str,
    active: bool = True,
) -> RetentionRule:
    """Make a new version of the rule for ``record_kind`` and ``outcome`` the one in force.

    Reviews already started keep the version that produced them (each names it); only records
    closed or triaged from now on are reviewed under the new one."""
    require_person(actor, "change the retention schedule")
    if not actor.has_role(Role.ADMINISTRATOR):
        raise DomainError("Only an administrator changes the retention schedule.", status=403)
    if record_kind not in RecordKind.values:
        raise DomainError("Choose a case or a referral.", field="record_kind")
    if outcome not in dict(OUTCOMES[record_kind]):
        raise DomainError("Choose an outcome of this kind of record.", field="outcome")
    months = check_integer(
        review_months, field="review_months", minimum=1, maximum=MAX_REVIEW_MONTHS
    )
    basis = clean_text(basis, field="basis", max_length=BASIS_LIMIT, required=True)
    if not isinstance(active, bool):
        raise DomainError("Say yes or no.", field="active")
    previous = (
        RetentionRule.objects.select_for_update(of=("self",))
        .filter(record_kind=record_kind, outcome=outcome, current=True)
        .first()
    )
    if previous is not None:
        if (previous.review_months, previous.basis, previous.active) == (months, basis, active):
            raise DomainError(
                "This is the rule in force already: nothing changed.", field="review_months"
            )
        previous.current = False
        previous.save(update_fields=["current", "updated_at"])
    rule = RetentionRule.objects.create(
        record_kind=record_kind,
        outcome=outcome,
        version=(previous.version + 1) if previous else 1,
        review_months=months,
        basis=basis,
        active=active,
        replaces=previous,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="retention_rule.change",
        target=rule,
        changes={
            "review_months": [previous.review_months if previous else None, months],
            "basis": [previous.basis if previous else None, basis],
            "active": [previous.active if previous else None, active],
        },
        details={"record_kind": record_kind, "outcome": outcome, "version": rule.version},
    )
    return rule
