"""Domain events: how one app reacts to another's change without importing it.

Apps depend on each other one way (``docs/architecture.md``): deadlines may import referrals,
cases, partners and custody, never the reverse. When a lower app's change concerns a higher one
(a referral arrives and its triage clock must start), the lower app's service *publishes* a typed
event — one frozen dataclass below per kind of change — and the higher app *subscribes* in its
``handlers.py``, imported by its ``AppConfig.ready()``. The publisher names no subscriber.

Handlers run when the service publishes, inside its transaction, after its own writes. This is
deliberate (ADR 0005): what a handler writes is part of the same change — a referral is never
committed without its legal clock, a merge never moves half of a case, a checklist is ticked
with the act that proves it — and it is audited in that transaction. A handler that refuses
rolls the whole change back. Work with effects outside the database (mail, partner installations) is
queued by the handler with ``transaction.on_commit`` so it happens only once the change is
committed.

Every event here is published by some service and heard by some handler; a test fails when one
is not (``tests/core/test_events.py``). Add new ones here when you publish them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every domain event; ``actor`` is the person (or service account) who acted."""

    actor: Any = None


# Referrals ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReferralReceived(Event):
    """A new referral was recorded (deadlines start its triage clock)."""

    referral: Any


@dataclass(frozen=True, kw_only=True)
class ReferralsReceivedBulk(Event):
    """One bulk import committed these referrals (deadlines start their clocks in one pass)."""

    referral_ids: Sequence[int]
    unit: Any = None


@dataclass(frozen=True, kw_only=True)
class ReferralTriaged(Event):
    """Accepted, declined or referred out (``outcome``): the triage clock is met."""

    referral: Any
    outcome: str


@dataclass(frozen=True, kw_only=True)
class ReferralReprioritised(Event):
    """The priority changed and ``referral.triage_due_at`` was recounted."""

    referral: Any


# Cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CaseOpened(Event):
    """A case was opened; the template to apply is chosen by hand (``template_id``) or is the
    incident type's of the referral accepted (``incident_type_id``)."""

    case: Any
    template_id: int | None = None
    incident_type_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class CaseClosed(Event):
    """The case was closed; ``carried`` lists the closure's carried items ({key, reason}): a
    carried clock stays open."""

    case: Any
    carried: Sequence[dict] = ()


@dataclass(frozen=True, kw_only=True)
class CaseMerged(Event):
    """Move what hangs off ``duplicate`` to ``original``, in the merge's transaction."""

    duplicate: Any
    original: Any


@dataclass(frozen=True, kw_only=True)
class CaseTransferred(Event):
    """The case now belongs to ``case.unit`` with ``case.lead``; ``team`` is the sending team's
    user ids."""

    case: Any
    previous_lead: Any = None
    team: Sequence[int] = ()


@dataclass(frozen=True, kw_only=True)
class CaseLeadChanged(Event):
    """The case was handed from ``previous`` to ``case.lead``."""

    case: Any
    previous: Any = None


@dataclass(frozen=True, kw_only=True)
class IdentifierAdded(Event):
    """A case identifier was recorded (cooperation looks it up in partners' pointer sets)."""

    identifier: Any


# Partners, custody, hash sets -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PartnerRevoked(Event):
    """A partner installation is no longer trusted (its pointers go)."""

    installation: Any


@dataclass(frozen=True, kw_only=True)
class RequestSent(Event):
    """A request to (or from) a partner was sent (received): its clocks start. Handlers add the
    clocks they started to ``started_clocks``, which the confirmation reads."""

    request: Any
    started_clocks: list = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class RequestProgressed(Event):
    """A sent request was acknowledged, answered, withdrawn or expired (``status``, the new
    one): the clocks that status stops are met."""

    request: Any
    status: str


@dataclass(frozen=True, kw_only=True)
class EvidenceSeized(Event):
    """An exhibit was seized (``custody_event``); handlers add clocks they started to
    ``started_clocks``, which the confirmation reads."""

    item: Any
    custody_event: Any
    started_clocks: list = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class EvidenceSubmitted(Event):
    """An exhibit's hashes were submitted to a database (``custody_event``)."""

    item: Any
    custody_event: Any


# Deadlines -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DeadlineMet(Event):
    """A clock was met, by the act it stands for or by hand."""

    deadline: Any


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Any]
_subscribers: dict[type[Event], list[Handler]] = defaultdict(list)


def subscribe(*kinds: type[Event]) -> Callable[[Handler], Handler]:
    """Decorator: call ``handler(event)`` whenever an event of one of ``kinds`` is published."""
    for kind in kinds:
        if not (isinstance(kind, type) and issubclass(kind, Event)) or kind is Event:
            raise TypeError(f"subscribe() takes event classes from casework.core.events: {kind!r}")

    def register(handler: Handler) -> Handler:
        for kind in kinds:
            if handler not in _subscribers[kind]:
                _subscribers[kind].append(handler)
        return handler

    return register


def publish(event: E) -> E:
    """Run every handler of ``event``'s class, in subscription order, in the caller's
    transaction; returns the event (for the replies handlers add to it)."""
    for handler in list(_subscribers.get(type(event), ())):
        handler(event)
    return event


def subscribers(kind: type[Event]) -> list[Handler]:
    return list(_subscribers.get(kind, ()))


def event_kinds() -> list[type[Event]]:
    return [kind for kind in globals().values() if _is_event(kind)]


def _is_event(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, Event) and value is not Event
