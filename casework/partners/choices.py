from __future__ import annotations

from django.db import models


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police / law enforcement"
    PROSECUTOR = "prosecutor", "Prosecutor / judicial authority"
    HOTLINE = "hotline", "Hotline"
    PROVIDER = "provider", "Industry / service provider"
    INTERNATIONAL = "international", "International organisation"
    NGO = "ngo", "NGO"


class Direction(models.TextChoices):
    INCOMING = "in", "Incoming"
    OUTGOING = "out", "Outgoing"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SECURE = "secure", "Secure channel"
    I247 = "i247", "INTERPOL I-24/7"
    PORTAL = "portal", "Provider portal"
    PHONE = "phone", "Telephone"
    LETTER = "letter", "Letter"
    MEETING = "meeting", "Meeting"
    OTHER = "other", "Other"


class HandlingCode(models.TextChoices):
    """How far information may travel (originator control), shown and exported with it."""

    ORIGINATOR_ONLY = "originator", "Originator only"
    LAW_ENFORCEMENT = "le_only", "Law enforcement only"
    SHAREABLE = "partners", "May be shared with partners"


class RequestKind(models.TextChoices):
    PRESERVATION = "preservation", "Preservation request"
    PRODUCTION = "production", "Production order / subpoena"
    MLAT = "mlat", "Mutual legal assistance (MLAT)"
    EMERGENCY = "emergency", "Emergency disclosure"
    TAKEDOWN = "takedown", "Takedown / removal notice"
    DATABASE = "database", "Submission to national database / ICSE"
    REFERRAL_OUT = "referral_out", "Referral out"


class LegalBasis(models.TextChoices):
    """The legal framework a request is made under: it decides which clocks run."""

    DOMESTIC = "domestic", "Domestic law"
    US_2703F = "us_2703f", "United States, 18 U.S.C. § 2703(f)"
    EU_E_EVIDENCE = "eu_e_evidence", "EU e-evidence orders"
    BUDAPEST = "budapest", "Budapest Convention (24/7 network)"
    VOLUNTARY = "voluntary", "Voluntary / terms of service"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    PARTIAL = "partial", "Partially answered"
    FULFILLED = "fulfilled", "Fulfilled"
    REFUSED = "refused", "Refused"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = frozenset({RequestStatus.SENT, RequestStatus.ACKNOWLEDGED, RequestStatus.PARTIAL})
ANSWER_STATUSES = frozenset({RequestStatus.PARTIAL, RequestStatus.FULFILLED, RequestStatus.REFUSED})
FINAL_STATUSES = frozenset(
    {
        RequestStatus.FULFILLED,
        RequestStatus.REFUSED,
        RequestStatus.EXPIRED,
        RequestStatus.WITHDRAWN,
    }
)

# Allowed status transitions. A further partial answer keeps a request partially answered.
REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.DRAFT: frozenset({RequestStatus.SENT, RequestStatus.WITHDRAWN}),
    RequestStatus.SENT: frozenset(
        {
            RequestStatus.ACKNOWLEDGED,
            RequestStatus.PARTIAL,
            RequestStatus.FULFILLED,
            RequestStatus.REFUSED,
            RequestStatus.EXPIRED,
            RequestStatus.WITHDRAWN,
        }
    ),
    RequestStatus.ACKNOWLEDGED: frozenset(
        {
            RequestStatus.PARTIAL,
            RequestStatus.FULFILLED,
            RequestStatus.REFUSED,
            RequestStatus.EXPIRED,
            RequestStatus.WITHDRAWN,
        }
    ),
    RequestStatus.PARTIAL: frozenset(
        {
            RequestStatus.PARTIAL,
            RequestStatus.FULFILLED,
            RequestStatus.REFUSED,
            RequestStatus.EXPIRED,
            RequestStatus.WITHDRAWN,
        }
    ),
    RequestStatus.FULFILLED: frozenset(),
    RequestStatus.REFUSED: frozenset(),
    RequestStatus.EXPIRED: frozenset(),
    RequestStatus.WITHDRAWN: frozenset(),
}
