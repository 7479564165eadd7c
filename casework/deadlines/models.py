"""Clocks: what must happen by when, the rule that set the time, and reminders sent.

Threat and risk addressed: a preservation request that lapses loses evidence for good, and an
untriaged P1 referral leaves a child at risk. So every clock is a row with a state, reminders are
rows with a uniqueness constraint (sent once whatever the retries), and the sweep that reminds
and escalates is driven by partial indexes over open clocks only.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from casework.cases.choices import Priority
from casework.core.models import TimeStampedModel

from .choices import DayCount, DeadlineKind, DeadlineState, ReminderKind
from .clock import holiday_calendar
from .offsets import format_offsets, parse_offsets


def validate_offsets(value: str) -> None:
    try:
        parse_offsets(value)
    except ValueError as error:
        raise ValidationError(str(error)) from error


class DeadlineRule(TimeStampedModel):
    """How long a kind of clock runs in a jurisdiction, and the text that says so.

    Rules are data: administrators edit them in the admin when the law or the unit's policy
    changes. Shipped defaults come from a data migration and cite their source; those marked
    ``verify_locally`` depend on national law or local policy and must be checked before use.
    A rule changes only deadlines started after the change: a running clock keeps the due time
    and reminder offsets it was started with.
    """

    kind = models.CharField(max_length=40, choices=DeadlineKind.choices)
    jurisdiction = models.CharField(
        max_length=40,
        blank=True,
        help_text="Legal scope: a country code (US, DE, US-NY), EU, CoE (Council of Europe); "
        "blank for the unit's own policy.",
    )
    priority = models.CharField(
        max_length=2,
        choices=Priority.choices,
        blank=True,
        help_text="Only for clocks that depend on priority (referral triage); blank otherwise.",
    )
    name = models.CharField(max_length=200)
    citation = models.TextField(help_text="The source: statute, article, or internal policy.")
    source_url = models.URLField(blank=True)
    verify_locally = models.BooleanField(
        default=False, help_text="The duration depends on national law or local policy."
    )
    duration_months = models.PositiveSmallIntegerField(default=0)
    duration_days = models.PositiveIntegerField(default=0)
    duration_hours = models.PositiveIntegerField(default=0)
    day_count = models.CharField(max_length=10, choices=DayCount.choices, default=DayCount.CALENDAR)
    end_of_day = models.BooleanField(
        default=True,
        help_text="Due at the end of the last day in the deadline's time zone "
        "(ignored for periods in hours).",
    )
    roll_to_business_day = models.BooleanField(
        default=False,
        help_text="A period ending on a weekend or public holiday ends on the next business day.",
    )
    holiday_country = models.CharField(
        max_length=10,
        blank=True,
        help_text="Public holidays for business days when the deadline names no jurisdiction "
        "(ISO country code, optionally with subdivision: US-NY).",
    )
    reminder_offsets = models.CharField(
        max_length=200,
        blank=True,
        default="7d, 1d, 2h",
        validators=[validate_offsets],
        help_text="Reminders before the due time, e.g. '14d, 7d, 1d, 2h' (d days, h hours, "
        "m minutes; at most 60 days).",
    )
    repeats = models.BooleanField(
        default=False, help_text="Meeting it starts the next one (periodic reviews)."
    )
    extension_kind = models.CharField(
        max_length=40,
        choices=DeadlineKind.choices,
        blank=True,
        help_text="Kind of the deadline an extension creates (blank: the same kind).",
    )
    extension_months = models.PositiveSmallIntegerField(default=0)
    extension_days = models.PositiveIntegerField(default=0)
    extensions_allowed = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many times it may be extended; blank: no limit."
    )
    active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["jurisdiction", "kind", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "jurisdiction", "priority"], name="deadline_rule_unique"
            ),
            models.CheckConstraint(
                condition=Q(duration_hours=0) | (Q(duration_days=0) & Q(duration_months=0)),
                name="deadline_rule_hours_or_days",
            ),
        ]

    def __str__(self) -> str:
        scope = self.jurisdiction or "Policy"
        return f"{scope} · {self.name}"

    def clean(self) -> None:
        if self.holiday_country and holiday_calendar(self.holiday_country) is None:
            raise ValidationError(
                {"holiday_country": f"No public-holiday calendar for {self.holiday_country!r}."}
            )
        if self.extension_kind == self.kind:
            self.extension_kind = ""

    @property
    def needs_due_at(self) -> bool:
        """Court dates and the like: no duration, the due time is always given."""
        return not (self.duration_months or self.duration_days or self.duration_hours)

    @property
    def offsets(self) -> list[timedelta]:
        return parse_offsets(self.reminder_offsets)

    @property
    def duration_label(self) -> str:
        parts = []
        if self.duration_months:
            parts.append(f"{self.duration_months} month{'s' if self.duration_months > 1 else ''}")
        if self.duration_days:
            unit = "business day" if self.day_count == DayCount.BUSINESS else "day"
            parts.append(f"{self.duration_days} {unit}{'s' if self.duration_days > 1 else ''}")
        if self.duration_hours:
            parts.append(f"{self.duration_hours} hour{'s' if self.duration_hours > 1 else ''}")
        return " ".join(parts) or "date given"


class Deadline(TimeStampedModel):
    """One clock on a case or a referral: what must happen by when, and what became of it.

    ``source_type``/``source_id`` name what set it (a partner request, an evidence item) as
    strings, not foreign keys, because partners and custody depend on deadlines, not the other
    way round. An extension closes this deadline as ``extended`` and links to the new one.
    When its next reminder falls is kept beside it, in ``ReminderSchedule``: the sweep moves
    that time on every claim, and a narrow row of its own is what it rewrites then, not this
    one with its many indexes (issue 26).
    """

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # db_index=False on unit, case, referral and owner: an index of Meta.indexes leads with
    # each, and serves its lookups; a second index would be written on every clock started and
    # every reminder claimed (issue 26).
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="deadlines", db_index=False
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        db_index=False,
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        db_index=False,
    )
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=40, choices=DeadlineKind.choices)
    rule = models.ForeignKey(
        DeadlineRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="deadlines"
    )
    note = models.TextField(blank=True)
    jurisdiction = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64)
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
        db_index=False,
    )
    state = models.CharField(
        max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN
    )
    reminder_offsets = ArrayField(
        models.PositiveIntegerField(), default=list, blank=True, help_text="Seconds before due."
    )
    extension_count = models.PositiveSmallIntegerField(default=0)
    extended_to = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="extended_from"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    missed_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was waived or extended.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # The weekly audit review belongs to a unit, not to a case: the only exception.
            models.CheckConstraint(
                condition=Q(case__isnull=False)
                | Q(referral__isnull=False)
                | Q(kind=DeadlineKind.AUDIT_WEEKLY_REVIEW),
                name="deadline_on_case_or_referral",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("starts_at")), name="deadline_due_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(state=DeadlineState.WAIVED) | ~Q(reason=""),
                name="deadline_waiver_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state=DeadlineState.EXTENDED, extended_to__isnull=False)
                | (~Q(state=DeadlineState.EXTENDED) & Q(extended_to__isnull=True)),
                name="deadline_extended_links_new",
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeadlineState.values), name="deadline_state_valid"
            ),
        ]
        indexes = [
            # The sweep: overdue open clocks (partial: open clocks only). Reminders due are
            # found through ``ReminderSchedule``.
            models.Index(
                fields=["due_at"],
                name="deadline_open_due_idx",
                condition=Q(state=DeadlineState.OPEN),
            ),
            models.Index(fields=["owner", "state", "due_at"], name="deadline_owner_idx"),
            models.Index(fields=["unit", "state", "due_at"], name="deadline_unit_idx"),
            models.Index(fields=["case", "state"], name="deadline_case_idx"),
            models.Index(fields=["referral", "state"], name="deadline_referral_idx"),
            models.Index(
                fields=["source_type", "source_id"],
                name="deadline_source_idx",
                condition=~Q(source_id=""),
            ),
            models.Index(fields=["due_at", "id"], name="deadline_due_order_idx"),
            # The oversight dashboard: a unit's deadlines due in a period, whatever their state
            # (deadline_unit_idx has state in between, so it walks every entry of the unit),
            # with what the outcome counts read, so that they come from the index alone; the
            # case, referral and owner are what a supervisor's need-to-know tests (issue 26).
            models.Index(
                fields=["unit", "due_at"],
                include=["kind", "state", "closed_at", "case", "referral", "owner"],
                name="deadline_unit_due_idx",
            ),
            # Overdue work by person: a unit's running clocks past due, counted per owner.
            models.Index(
                fields=["unit", "due_at"],
                include=["owner", "case", "referral"],
                condition=Q(state__in=[DeadlineState.OPEN, DeadlineState.MISSED]),
                name="deadline_unit_overdue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_active(self) -> bool:
        return self.state in (DeadlineState.OPEN, DeadlineState.MISSED)

    @property
    def is_overdue(self) -> bool:
        return self.state == DeadlineState.MISSED or (
            self.state == DeadlineState.OPEN and self.due_at <= timezone.now()
        )

    @property
    def subject_label(self) -> str:
        """What the clock hangs off, as people name it: the case number or the referral."""
        if self.case_id:
            return self.case.number
        if self.referral_id:
            return f"Referral {self.referral.source_reference}"
        return self.unit.name

    @property
    def offsets_label(self) -> str:
        return format_offsets([timedelta(seconds=s) for s in self.reminder_offsets])

    @property
    def next_reminder_at(self):
        """When the next reminder falls, None when none is owed: read from the clock's
        ``ReminderSchedule`` row (a query, unless ``select_related("reminder_schedule")``)."""
        try:
            return self.reminder_schedule.next_reminder_at
        except ReminderSchedule.DoesNotExist:
            return None


class ReminderSchedule(models.Model):
    """When an open clock's next reminder falls: the sweep's queue, one narrow row per clock.

    A row exists while its clock is open and has a reminder ahead (or a catch-up reminder owed
    now), and holds the earliest such time; starting a clock writes it, the sweep moves it on
    as it claims reminders (deleting it after the last), and closing, missing or rescheduling
    the clock deletes or rewrites it. It lives apart from ``Deadline`` for speed: every claim
    moves this time, and a changed indexed column rewrites the whole row with an entry in each
    of its indexes (seventeen on ``Deadline``; two here). ``schedule.first_reminder_at`` and
    ``next_reminder_after`` are its rules (``tests/deadlines/test_sql_agrees.py``).
    """

    # Not captured row by row: the time is derived, wholly, from what the ledger does capture
    # (the clock's due time and offsets, and each reminder claimed, a ``DeadlineReminder`` row
    # each), and capturing it would add a ledger event to every clock started and every claim
    # (docs/audit.md, "What is not captured row by row").
    audit_capture = False

    deadline = models.OneToOneField(
        Deadline, on_delete=models.CASCADE, primary_key=True, related_name="reminder_schedule"
    )
    next_reminder_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["next_reminder_at"], name="reminder_schedule_due_idx")]

    def __str__(self) -> str:
        return f"Deadline {self.deadline_id}: next reminder {self.next_reminder_at:%Y-%m-%d %H:%M}"


class DeadlineReminder(models.Model):
    """One reminder offset or escalation, claimed once: the unique constraint makes it once.

    The sweep inserts these with ``ON CONFLICT DO NOTHING``; only the rows it inserted are sent,
    so a retried task, a second worker or a restarted scheduler cannot send twice. Offsets
    claimed together (a clock started or swept late) make one message, and the claim itself
    says which: ``message_offset_seconds`` is the nearest offset of the claim, the same on every
    row of it. The message's notification is keyed by (deadline, kind, message offset) under
    ``notify``'s unique dedupe key, so however the rows are split between sending tasks, one
    message goes. Sending happens after commit, each message in its own transaction;
    ``notified_at`` stays empty until it did, and the sweep re-sends rows left unsent (a worker
    died, or sending failed: at most ``MAX_SEND_ATTEMPTS`` times).
    """

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    offset_seconds = models.PositiveIntegerField(default=0)
    message_offset_seconds = models.PositiveIntegerField(
        help_text="The offset whose message covers this one: the nearest of those claimed "
        "together (equal to the offset when it was claimed alone)."
    )
    created_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    # One reminder that cannot be sent (its deadline row cannot be read or formatted) is
    # recorded here and reported to the administrators; the others of its batch still go.
    # Database defaults: the sweep inserts reminders in SQL that names none of these columns.
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    failed_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(
        blank=True, db_default="", help_text="Why the last attempt to send failed."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "kind", "offset_seconds"], name="deadline_reminder_once"
            ),
            models.CheckConstraint(
                condition=Q(failed_at__isnull=True) | ~Q(failure=""),
                name="deadline_reminder_failure_says_why",
            ),
            # The message speaks for the nearest offset: never for one farther than its own.
            models.CheckConstraint(
                condition=Q(message_offset_seconds__lte=models.F("offset_seconds")),
                name="deadline_reminder_message_nearest",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="deadline_reminder_unsent_idx",
                condition=Q(notified_at__isnull=True),
            ),
            # A message's rows, locked together when it is sent.
            models.Index(
                fields=["deadline", "kind", "message_offset_seconds"],
                name="deadline_reminder_message_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.offset_seconds}s for deadline {self.deadline_id}"


class CalendarFeedToken(models.Model):
    """The secret in a person's iCalendar feed URL, stored only as its SHA-256.

    A calendar client cannot sign in, so the URL is the credential: whoever has it reads the
    feed. Stored hashed (a database leak does not give working URLs), one per person, revocable
    and regenerable; the feed still filters by what the person may see at the time of reading.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
