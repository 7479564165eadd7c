"""Exporting our pointer set, importing a partner's, matching, and confirming hits.

Every export, import and match is audited (``pointers.export``, ``pointers.import``,
``pointers.match``); audit details carry counts, key ids and digests, never a value, a
fingerprint of a single identifier, or a partner's handle next to our case. A hit notifies the
case's lead with the partner's point of contact, never the partner's case.
"""

from __future__ import annotations

from .confirmation import confirmation_message, pointer_confirmation_receive, pointer_hit_confirm
from .export import pointers_export
from .importing import partner_set_drop, pointers_import
from .matching import identifier_match_partners, partner_pointers_for
from .pointers import fingerprint
from .sharing import sharing_unit_update

__all__ = [
    "confirmation_message",
    "fingerprint",
    "identifier_match_partners",
    "partner_pointers_for",
    "partner_set_drop",
    "pointer_confirmation_receive",
    "pointer_hit_confirm",
    "pointers_export",
    "pointers_import",
    "sharing_unit_update",
]
