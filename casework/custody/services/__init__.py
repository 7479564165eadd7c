"""State changes of evidence stores, items, hashes and custody events.

Threat: a chain of custody a defence lawyer can break — a hand-over by someone who did not hold
the item, an event dated before the previous one, an item that "moves" after it was destroyed,
a disposal one person decided alone, two people recording conflicting transfers at the same
moment. Every write takes the item's row lock (``SELECT … FOR UPDATE``), checks the chain
(the pure rules of ``casework.custody.chain``) against the locked row, and only then appends.
Nothing is ever edited: corrections are new events.

By concern: ``stores`` (administrators' evidence stores), ``items`` (seizure, submission time,
case merges), ``hashes``, ``events`` (appending to the chain, acknowledgements) and ``signoff``
(release and disposal, two people). The names below are the app's service interface.
"""

from __future__ import annotations

from ..chain import CLOCK_SKEW
from .events import COUNT_FIELDS, TEXT_FIELDS, custody_acknowledge, custody_event_record
from .hashes import hash_record, normalise_hash
from .items import evidence_items_move_case, item_create, item_submission_note
from .signoff import SIGN_OFF_FIELDS, signoff_countersign, signoff_refuse, signoff_request
from .stores import identifier_example, store_create, store_update, validate_identifier_pattern

__all__ = [
    "CLOCK_SKEW",
    "COUNT_FIELDS",
    "SIGN_OFF_FIELDS",
    "TEXT_FIELDS",
    "custody_acknowledge",
    "custody_event_record",
    "evidence_items_move_case",
    "hash_record",
    "identifier_example",
    "item_create",
    "item_submission_note",
    "normalise_hash",
    "signoff_countersign",
    "signoff_refuse",
    "signoff_request",
    "store_create",
    "store_update",
    "validate_identifier_pattern",
]
