"""What a checklist item's state can be, and which recorded act counts as evidence of it."""

from __future__ import annotations

from django.db import models

from casework.custody.choices import EventKind
from casework.deadlines.choices import DeadlineKind
from casework.partners.choices import RequestKind


class ChecklistState(models.TextChoices):
    OPEN = "open", "Not done"
    DONE = "done", "Done"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


# Evidence a checklist item can be ticked by, as ``<record>:<kind>``: a partner request of a
# kind that was sent, a custody event of a kind, or a clock of a kind that was met. The
# codes are stable (templates store them); the labels are what administrators choose from.
# Only the custody events other apps hear of (``evidence.seized`` / ``evidence.submitted``).
_CUSTODY_EVIDENCE = (EventKind.SEIZED, EventKind.SUBMITTED)
# Clocks that exist for every case or none (triage, the weekly audit review) are not evidence.
# A retention review runs only on a closed case: no checklist of open work can wait for it.
_NOT_EVIDENCE = {
    DeadlineKind.REFERRAL_TRIAGE,
    DeadlineKind.AUDIT_WEEKLY_REVIEW,
    DeadlineKind.RETENTION_REVIEW,
}

EVIDENCE_CHOICES: list[tuple[str, str]] = [
    *((f"request:{kind.value}", f"{kind.label} sent") for kind in RequestKind),
    *(
        (f"custody:{kind.value}", f"Custody event: {kind.label.lower()}")
        for kind in _CUSTODY_EVIDENCE
    ),
    *(
        (f"deadline:{kind.value}", f"Deadline met: {kind.label.lower()}")
        for kind in DeadlineKind
        if kind not in _NOT_EVIDENCE
    ),
]
EVIDENCE_LABELS = dict(EVIDENCE_CHOICES)

# Clocks a template may start: those with a duration, and not those every case already gets
# (the periodic case review starts on its own when a case opens) or that belong elsewhere.
TEMPLATE_CLOCK_EXCLUDED = {
    DeadlineKind.REFERRAL_TRIAGE,
    DeadlineKind.AUDIT_WEEKLY_REVIEW,
    DeadlineKind.CASE_REVIEW,
    DeadlineKind.COURT_DATE,
    DeadlineKind.RETENTION_REVIEW,
}
