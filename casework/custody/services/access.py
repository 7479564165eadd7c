"""Who may record evidence, and the rows the chain rules read, described as plain values."""

from __future__ import annotations

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.cases.models import Case
from casework.cases.selectors import case_is_visible
from casework.core.errors import DomainError

from .. import chain
from ..models import EvidenceItem


def require_case_worker(actor: User, case: Case) -> None:
    """Investigators and supervisors who can see the case may record its evidence."""
    if (
        not actor.is_active
        or not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR)
        or not case_is_visible(user=actor, case=case)
    ):
        raise DomainError(f"You cannot record evidence on {case}.", status=403)
    if case.is_closed:
        raise DomainError(f"{case} is closed; evidence cannot be recorded on it.")


def person_of(user: User | None) -> chain.Person | None:
    if user is None:
        return None
    return chain.Person(
        id=user.pk, username=user.get_username(), unit_id=user.unit_id, is_active=user.is_active
    )


def unit_of(case: Case) -> chain.Unit:
    return chain.Unit(id=case.unit_id, name=case.unit.name)


def chain_of(item: EvidenceItem) -> chain.ItemChain:
    """The locked item as the chain rules see it (its case, unit, holder and last event are
    read with the lock, so this costs no query)."""
    last = item.last_event
    return chain.ItemChain(
        id=item.pk,
        exhibit_number=item.exhibit_number,
        case_number=item.case.number,
        unit=unit_of(item.case),
        state=item.state,
        holder=person_of(item.current_holder),
        last=chain.LastEvent(
            sequence=last.sequence,
            kind=last.kind,
            started_at=last.started_at,
            ended_at=last.ended_at,
        )
        if last is not None
        else None,
    )


def user_name(user: User | None) -> str:
    return chain.name(person_of(user))
