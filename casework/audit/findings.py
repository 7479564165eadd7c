"""What ``verify_ledger`` found, said so a person can act on it: each problem names its kind,
the event and its position, and why the check failed (a changed event's bytes are told apart
from an edited column; a removed event from a reordered one)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.db import connection

from . import sql


@dataclass(frozen=True)
class Problem:
    kind: str  # changed, edited, removed, inserted, reordered, chain, checkpoint, truncated, tree
    message: str
    event_id: int | None = None
    position: int | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "message": self.message,
            "event_id": self.event_id,
            "position": self.position,
        }


@dataclass
class VerificationResult:
    events_checked: int = 0
    tree_size: int = 0
    checkpoints_checked: int = 0
    signed_checkpoints_checked: int = 0
    pending: int = 0
    oldest_pending_at: object = None
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict:
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "tree_size": self.tree_size,
            "checkpoints_checked": self.checkpoints_checked,
            "signed_checkpoints_checked": self.signed_checkpoints_checked,
            "pending": self.pending,
            "problems": len(self.problems),
            "seconds": round(self.seconds, 3),
            "events_per_second": int(self.events_checked / self.seconds) if self.seconds else 0,
        }


def explain_mismatches(result, mismatched, stored_leaf_at) -> None:
    for position, event_id, leaf in mismatched:
        origin = stored_leaf_at.get(leaf)
        if origin is not None and origin[0] != position:
            result.problems.append(
                Problem(
                    "reordered",
                    f"event #{event_id} at position {position} now holds the event sealed at "
                    f"position {origin[0]} (event #{origin[1]}): events were swapped or moved",
                    event_id,
                    position,
                )
            )
        else:
            result.problems.append(
                Problem(
                    "changed",
                    f"event #{event_id} was changed after it was sealed at position {position} "
                    "(its bytes no longer hash to the sealed leaf)",
                    event_id,
                    position,
                )
            )


def explain_breaks(result, breaks) -> None:
    """A broken chain link: a seal row was edited, swapped, inserted or removed."""
    for position, event_id, _previous, leaf, link in breaks:
        moved_from = next(
            (
                other
                for other, _, other_previous, _, _ in breaks
                if other != position and hashlib.sha256(other_previous + leaf).digest() == link
            ),
            None,
        )
        if moved_from is not None:
            message = (
                f"the seal of event #{event_id} was moved from position {moved_from} to "
                f"position {position}: entries were reordered"
            )
            kind = "reordered"
        else:
            message = (
                f"the hash chain breaks at position {position} (event #{event_id}): a sealed "
                "entry before or at it was inserted, removed or edited"
            )
            kind = "chain"
        result.problems.append(Problem(kind, message, event_id, position))


def explain_edits(result, edited: list[int], already_named: set[int]) -> None:
    """Name the columns that were edited behind an event's sealed bytes.

    The row's document is its canonical text; when a column was emptied to NULL that text is
    NULL too, and the plain JSON of the columns (``sql.EVENT_JSON``) shows which one.
    """
    ids = [event_id for event_id in edited if event_id not in already_named]
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, e.canonical, "
            f"coalesce(audit_event_canonical(e), ({sql.EVENT_JSON})::text) "
            "FROM audit_auditevent AS e WHERE e.id = ANY(%s) ORDER BY e.id",
            [ids],
        )
        for event_id, canonical, document in cursor.fetchall():
            document = json.loads(document)
            try:
                sealed = json.loads(bytes(canonical))
            except ValueError:
                sealed = {}
            fields = sorted(
                key for key in set(document) | set(sealed) if document.get(key) != sealed.get(key)
            )
            detail = ", ".join(
                f"{key}: sealed {sealed.get(key)!r}, now {document.get(key)!r}" for key in fields
            )
            result.problems.append(
                Problem(
                    "edited" if sealed.get("id") == event_id else "reordered",
                    f"event #{event_id} was edited behind its sealed bytes ({detail})",
                    event_id,
                )
            )


def report_unsealed(result: VerificationResult, unsealed: list[tuple]) -> None:
    """Check 6: an unsealed event is pending, or was inserted behind the sealer's back."""
    for event_id, no_bytes, behind, occurred_at in unsealed:
        if no_bytes:
            result.problems.append(
                Problem(
                    "inserted",
                    f"event #{event_id} has no canonical bytes: it was inserted with the "
                    "ledger's guard switched off",
                    event_id,
                )
            )
        elif behind:
            result.problems.append(
                Problem(
                    "inserted",
                    f"event #{event_id} was inserted behind the seal: its transaction is "
                    "older than events already sealed, yet it was never sealed",
                    event_id,
                )
            )
        else:
            result.pending += 1
            if result.oldest_pending_at is None or occurred_at < result.oldest_pending_at:
                result.oldest_pending_at = occurred_at
