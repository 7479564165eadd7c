from __future__ import annotations

from django.db import models


class SourceKind(models.TextChoices):
    INDUSTRY = "industry", "Industry / ESP report"
    HOTLINE = "hotline", "Hotline"
    PUBLIC = "public", "Member of the public"
    NATIONAL_LE = "national_le", "National law enforcement"
    FOREIGN_LE = "foreign_le", "Foreign law enforcement"
    INTERPOL = "interpol", "INTERPOL"


class ReferralStatus(models.TextChoices):
    NEW = "new", "New"
    IN_TRIAGE = "in_triage", "In triage"
    ACCEPTED = "accepted", "Accepted into a case"
    DECLINED = "declined", "Declined"
    REFERRED_OUT = "referred_out", "Referred out"


# Triage is open while a referral is new or in triage; the other three states end it.
OPEN_STATUSES: frozenset[str] = frozenset({ReferralStatus.NEW, ReferralStatus.IN_TRIAGE})


class TriageOutcome(models.TextChoices):
    """What ``ReferralTriaged`` reports as ``outcome``."""

    ACCEPTED = "accepted", "Accepted into a case"
    DECLINED = "declined", "Declined"
    REFERRED_OUT = "referred_out", "Referred out"


class IntakeChannel(models.TextChoices):
    WEB = "web", "Web form"
    API = "api", "API"
    IMPORT = "import", "Bulk import"
