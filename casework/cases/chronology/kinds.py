"""What the chronology calls each kind of action, and the shape of one row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from casework.accounts.choices import Role
from casework.accounts.zones import user_zone

#: kind → action prefixes (``<record>.``); the first kind whose prefix matches wins.
KINDS: dict[str, tuple[str, ...]] = {
    "referral": ("referral.", "referral_identifier."),
    "case": (
        "case.",
        "case_subject.",
        "case_identifier.",
        "case_task.",
        "case_review.",
        "identifier.",
    ),
    "deadline": ("deadline.",),
    "partner": ("partner_request.", "communication."),
    "custody": ("evidence_", "custody_"),
    "victim": ("victim.",),
    "note": ("case_note.",),
}


KIND_LABELS = {
    "referral": "Referral",
    "case": "Case",
    "deadline": "Deadline",
    "partner": "Partner",
    "custody": "Custody",
    "victim": "Victim",
    "note": "Note",
}


NOISE = frozenset(
    {
        "case.view",
        "case.search",
        "referral.view",
        "evidence_item.view",
        "custody_report.view",
        "identifier.deconflict",
    }
)


def kind_of(action: str) -> str:
    for kind, prefixes in KINDS.items():
        if action.startswith(prefixes):
            return kind
    return "case"


def viewer_zone(user) -> tzinfo:
    """The reader's zone: their own, else their unit's, else the installation's."""
    return user_zone(user)


def sees_event_ids(user) -> bool:
    return user.has_role(Role.SUPERVISOR, Role.AUDITOR)


@dataclass(frozen=True)
class Entry:
    """One row of the chronology, ready to show."""

    occurred_at: datetime  # in the reader's zone
    kind: str
    actor: str
    text: str
    url: str
    event_id: int | None  # only for supervisors and auditors

    @property
    def when_text(self) -> str:
        # Formatted here: the template's date filter would convert back to the server's zone.
        return self.occurred_at.strftime("%d %b %Y %H:%M %Z")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.title())


@dataclass
class ChronologyPage:
    entries: list[Entry]
    next_cursor: str | None
