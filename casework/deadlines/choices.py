from __future__ import annotations

from django.db import models


class DeadlineKind(models.TextChoices):
    """What a clock is for. Each kind has one or more ``DeadlineRule`` rows (per jurisdiction)."""

    REFERRAL_TRIAGE = "referral_triage", "Referral triage"
    PRESERVATION_US_2703F = "preservation_us_2703f", "Preservation expiry (18 U.S.C. 2703(f))"
    PRESERVATION_RENEWAL = "preservation_renewal", "Renewed preservation expiry"
    PROVIDER_REPORT_ACT_PRESERVATION = (
        "provider_report_act_preservation",
        "Provider preservation of a reported account (REPORT Act)",
    )
    EU_PRODUCTION_ORDER = "eu_production_order", "EU production order answer"
    EU_PRODUCTION_ORDER_EMERGENCY = (
        "eu_production_order_emergency",
        "EU production order answer (emergency)",
    )
    EU_PRESERVATION_ORDER = "eu_preservation_order", "EU preservation order expiry"
    BUDAPEST_PRESERVATION = "budapest_preservation", "Preservation expiry (Budapest Convention)"
    LEGAL_PROCESS_RESPONSE = "legal_process_response", "Response to legal process"
    ICSE_SUBMISSION = "icse_submission", "Submission to national database / ICSE"
    SAFEGUARDING_REVIEW = "safeguarding_review", "Safeguarding review"
    CASE_REVIEW = "case_review", "Case review"
    AUDIT_WEEKLY_REVIEW = "audit_weekly_review", "Weekly audit review"
    COURT_DATE = "court_date", "Court date"
    TAKEDOWN_CONFIRMATION = "takedown_confirmation", "Takedown confirmation"
    REFERRAL_OUT_ACKNOWLEDGEMENT = (
        "referral_out_acknowledgement",
        "Acknowledgement of a referral sent out",
    )
    HASH_SET_ACKNOWLEDGEMENT = (
        "hash_set_acknowledgement",
        "Acknowledgement of a shared hash set",
    )
    # Started by the retention app when a case closes or a referral is declined or referred
    # out; it runs on a closed case (the only kind that may), and is met by the review decision.
    RETENTION_REVIEW = "retention_review", "Retention review"


# What a person may start by hand (page and API): a retention review belongs to the retention
# app's review of a closed record, and a clock without that review could never be met.
STARTABLE_BY_HAND = [c for c in DeadlineKind.choices if c[0] != DeadlineKind.RETENTION_REVIEW]


class DeadlineState(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    WAIVED = "waived", "Waived"
    EXTENDED = "extended", "Extended"


# A missed deadline is still work to do (late is better than never); met, waived and extended
# ones are closed.
ACTIVE_STATES = (DeadlineState.OPEN, DeadlineState.MISSED)


class DayCount(models.TextChoices):
    CALENDAR = "calendar", "Calendar days"
    BUSINESS = "business", "Business days (weekends and public holidays skipped)"


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", "Reminder before due"
    ESCALATION = "escalation", "Escalation when overdue"
