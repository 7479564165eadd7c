from __future__ import annotations

from django.db import models


class Priority(models.TextChoices):
    """Our grading; P1 means a child may be at imminent risk."""

    P1 = "P1", "P1 – child at imminent risk"
    P2 = "P2", "P2 – high"
    P3 = "P3", "P3 – medium"
    P4 = "P4", "P4 – low"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    CLOSED = "closed", "Closed"


# Allowed status transitions; closing also needs a supervisor's approval (services enforce it).
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.ACTIVE, CaseStatus.SUSPENDED, CaseStatus.CLOSED}),
    CaseStatus.ACTIVE: frozenset({CaseStatus.SUSPENDED, CaseStatus.CLOSED}),
    CaseStatus.SUSPENDED: frozenset({CaseStatus.ACTIVE, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


class ClosureOutcome(models.TextChoices):
    """What the case achieved; reported in the unit's figures."""

    VICTIMS_SAFEGUARDED = "victims_safeguarded", "Victims safeguarded"
    ARRESTS = "arrests", "Arrests made"
    CHARGED = "charged", "Suspects charged"
    REFERRED = "referred", "Referred to another agency"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    OTHER = "other", "Other (see reason)"
    # Set by a merge only (``case_merge``), never chosen when requesting closure.
    MERGED = "merged", "Merged into another case"


# The outcomes a closure request may give (a merge is not asked for, it is done).
REQUESTABLE_OUTCOMES = [c for c in ClosureOutcome.choices if c[0] != ClosureOutcome.MERGED]


class ClosureRequestStatus(models.TextChoices):
    PENDING = "pending", "Awaiting a supervisor"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TransferStatus(models.TextChoices):
    PENDING = "pending", "Awaiting the receiving unit"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class SubjectRole(models.TextChoices):
    SUSPECT = "suspect", "Suspect"
    VICTIM = "victim", "Victim"
    WITNESS = "witness", "Witness"


class VictimIdentification(models.TextChoices):
    UNIDENTIFIED = "unidentified", "Unidentified"
    IDENTIFIED = "identified", "Identified"
    SAFEGUARDED = "safeguarded", "Safeguarded"
