"""Domain events: how one app reacts to another's change without importing it.

The deadlines app must start a triage clock when a referral arrives, yet the referrals app must
not depend on deadlines (deadlines already points at referrals and cases). So a service
*publishes* a named event after its write, inside its transaction, and interested apps
*subscribe* in their ``AppConfig.ready()``. Handlers run synchronously in the same transaction:
if a handler refuses, the whole change rolls back, and nothing is ever half-done. This is an
explicit call made by the service, not a model signal, so it is visible where it happens.

Events published (payload keyword arguments in brackets):
- ``referral.received`` (referral, actor) — a new referral was recorded
- ``referral.received_bulk`` (referral_ids, actor, unit) — one bulk import committed
- ``referral.triaged`` (referral, actor, outcome) — accepted / declined / referred out
- ``referral.reprioritised`` (referral, actor) — priority changed, triage clock recounted
- ``case.opened`` (case, actor, template_id, incident_type_id) — the last two name the case
  template to apply (chosen by hand, or the incident type's of the referral accepted)
- ``case.closed`` (case, actor)
- ``case.merged`` (duplicate, original, actor) — move what hangs off ``duplicate`` to
  ``original``, in the merge's transaction
- ``case.transferred`` (case, previous_lead, team, actor) — the case now belongs to
  ``case.unit`` with ``case.lead``; ``team`` is the sending team's user ids
- ``case.lead_changed`` (case, previous, actor) — the case was handed to ``case.lead``
- ``identifier.matched`` (identifier, matches, actor) — deconfliction found other cases
- ``identifier.added`` (identifier, actor) — a case identifier was recorded (cooperation looks
  it up in partner agencies' pointer sets)
- ``partner.revoked`` (installation, actor) — a partner installation is no longer trusted
- ``request.sent`` / ``request.answered`` (request, actor) — partners
- ``evidence.seized`` / ``evidence.submitted`` (item, actor, custody_event) — custody
- ``deadline.met`` (deadline, actor) — a clock was met (by the act it stands for, or by hand)
- ``record.disposed`` (case= or referral=, actor, disposal) — retention: two supervisors
  approved the disposal and the owning apps blanked the record's personal fields; privacy
  destroys the record's data key (crypto-shredding), in the disposal's transaction
- ``hash_set.submitted`` (item, sharing, submitted_at, actor) — the hash-set register recorded a
  sharing of a set made from ``item`` with the national database or ICSE
Add new ones here when you publish them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str) -> Callable[[Handler], Handler]:
    """Decorator: call ``handler(**payload)`` whenever ``event`` is published."""

    def register(handler: Handler) -> Handler:
        if handler not in _subscribers[event]:
            _subscribers[event].append(handler)
        return handler

    return register


def publish(event: str, **payload: Any) -> None:
    for handler in list(_subscribers.get(event, ())):
        handler(**payload)
