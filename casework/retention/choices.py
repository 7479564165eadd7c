from __future__ import annotations

from django.db import models

from casework.cases.choices import ClosureOutcome
from casework.referrals.choices import TriageOutcome


class RecordKind(models.TextChoices):
    CASE = "case", "Case"
    REFERRAL = "referral", "Referral"


# The outcomes a rule may name, per kind of record. An accepted referral is not here: it became
# part of its case, and is reviewed and disposed of with that case under the case's rule.
OUTCOMES: dict[str, list[tuple[str, str]]] = {
    RecordKind.CASE: [(value, f"Case closed: {label}") for value, label in ClosureOutcome.choices],
    RecordKind.REFERRAL: [
        (value, f"Referral {label.lower()}")
        for value, label in TriageOutcome.choices
        if value != TriageOutcome.ACCEPTED
    ],
}

ALL_OUTCOMES: list[tuple[str, str]] = [
    (f"{kind}:{value}", label) for kind, pairs in OUTCOMES.items() for value, label in pairs
]


def outcome_label(record_kind: str, outcome: str) -> str:
    return dict(OUTCOMES.get(record_kind, [])).get(outcome, outcome)


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Due for review"
    RETAINED = "retained", "Retained"
    DISPOSE = "dispose", "Disposal requested"
    HELD = "held", "Placed on legal hold"


class ReviewDecision(models.TextChoices):
    """The three outcomes of a review, as the queue offers them."""

    RETAIN = "retain", "Retain"
    DISPOSE = "dispose", "Dispose"
    HOLD = "hold", "Place on legal hold"


class DisposalStatus(models.TextChoices):
    PENDING = "pending", "Awaiting a second supervisor"
    APPROVED = "approved", "Approved: disposed"
    REJECTED = "rejected", "Rejected"
