from __future__ import annotations

from django.conf import settings
from django.db import models

from casework.accounts.models import Unit
from casework.cases.choices import Priority
from casework.core.models import TimeStampedModel

from .choices import ReferralStatus, SourceKind


class Referral(TimeStampedModel):
    """A report that arrived from a source and waits for triage, or has been triaged.

    ``(source_agency, source_reference)`` is unique: a second arrival of the same report is a
    duplicate to link, never a second record. Until accepted into a case a referral is seen by
    its receiving unit; afterwards it follows its case's access.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="referrals")
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    source_agency = models.CharField(max_length=200)
    source_reference = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.NEW
    )
    summary = models.TextField(blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_agency", "source_reference"], name="referral_source_ref_unique"
            )
        ]
        indexes = [
            models.Index(fields=["unit", "status", "received_at"], name="referral_queue_idx"),
            models.Index(fields=["case"], name="referral_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()} {self.source_reference}"
