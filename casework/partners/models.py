"""Partner agencies, their people, and what passed between us and them.

The directory (agencies, contacts) is shared by every signed-in user: knowing whom to call in
another country is not case content. Communications and requests hang off a case or a referral
and inherit its need-to-know (``casework.partners.selectors``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Q

from casework.core.models import TimeStampedModel
from casework.core.trigrams import trigram_index_expression

from .choices import (
    AgencyKind,
    Channel,
    Direction,
    HandlingCode,
    LegalBasis,
    RequestKind,
    RequestStatus,
)

# One expression for the index and the query, so PostgreSQL can use the GIN index.
AGENCY_SEARCH_VECTOR = SearchVector("name", config="simple")

_ON_CASE_OR_REFERRAL = Q(case__isnull=False, referral__isnull=True) | Q(
    case__isnull=True, referral__isnull=False
)


def agency_label(name: str, country: str) -> str:
    """The agency's name with its country, once: many names carry it already
    ("Example Hotline (IE)")."""
    suffix = f"({country})"
    return name if not country or name.endswith(suffix) else f"{name} {suffix}"


class Agency(TimeStampedModel):
    """A police service, prosecutor, hotline, provider, international body or NGO we work with.

    ``country`` is an ISO 3166-1 alpha-2 code, checked by the services against the ISO table and
    by the database for its shape. ``duty_contact`` / ``duty_line`` are the 24/7 point of contact
    (the Budapest Convention's 24/7 network, a provider's emergency line).
    """

    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    icse_connected = models.BooleanField(
        "connected to INTERPOL ICSE",
        default=False,
        help_text="Whether the agency has access to INTERPOL's ICSE database.",
    )
    duty_contact = models.ForeignKey(
        "partners.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The 24/7 point of contact, a person at this agency.",
    )
    duty_line = models.CharField(
        "24/7 line",
        max_length=200,
        blank=True,
        help_text="Phone number or channel answered around the clock.",
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "country"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="agency_name_country_unique"),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"), name="agency_country_alpha2"
            ),
        ]
        indexes = [
            GinIndex(AGENCY_SEARCH_VECTOR, name="agency_name_search_idx"),
            models.Index(fields=["country", "kind", "name"], name="agency_country_kind_idx"),
            models.Index(fields=["kind", "name"], name="agency_kind_idx"),
        ]

    def __str__(self) -> str:
        return agency_label(self.name, self.country)


class Contact(TimeStampedModel):
    """A person at an agency. Every change bumps ``version`` and keeps a ``ContactVersion``."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    secure_channel = models.CharField(
        max_length=200, blank=True, help_text="e.g. an I-24/7 address or a secure portal handle."
    )
    languages = ArrayField(models.CharField(max_length=3), default=list, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["agency", "active", "name"], name="contact_agency_idx")]

    def __str__(self) -> str:
        return f"{self.name}, {self.agency.name}" if self.agency_id else self.name


class ContactVersion(models.Model):
    """What a contact looked like at each version, and who made the change (history kept)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["contact", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "version"], name="contact_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} v{self.version}"


class PartnerRequest(TimeStampedModel):
    """A request to or from a partner: preservation, production, MLAT, emergency disclosure,
    takedown, database submission or referral out, on a case or a referral.

    Sending starts its clocks in the deadlines app and answering meets them (services). The
    status moves only along ``choices.REQUEST_TRANSITIONS``; ``answered_at`` is the first answer
    (partial or final) and is what response times are measured by.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_requests",
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_requests",
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    legal_basis = models.CharField(
        max_length=20, choices=LegalBasis.choices, default=LegalBasis.DOMESTIC
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="requests")
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    handling_code = models.CharField(max_length=12, choices=HandlingCode.choices, blank=True)
    summary = models.TextField(help_text="What is asked or sent, in neutral words.")
    external_reference = models.CharField("reference at the other side", max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "partner request"
        constraints = [
            models.CheckConstraint(condition=_ON_CASE_OR_REFERRAL, name="request_on_one_record"),
            models.CheckConstraint(
                condition=Q(direction=Direction.INCOMING) | ~Q(handling_code=""),
                name="request_outgoing_has_handling",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[RequestStatus.DRAFT, RequestStatus.WITHDRAWN])
                | Q(sent_at__isnull=False),
                name="request_sent_has_sent_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.DRAFT) | Q(sent_at__isnull=True),
                name="request_draft_not_sent",
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[
                        RequestStatus.PARTIAL,
                        RequestStatus.FULFILLED,
                        RequestStatus.REFUSED,
                    ]
                )
                | Q(answered_at__isnull=False),
                name="request_answer_has_answered_at",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=models.F("sent_at")),
                name="request_answered_after_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="request_case_idx"),
            models.Index(fields=["referral", "-created_at"], name="request_referral_idx"),
            models.Index(
                fields=["agency", "sent_at"],
                name="request_open_idx",
                condition=Q(
                    status__in=[
                        RequestStatus.SENT,
                        RequestStatus.ACKNOWLEDGED,
                        RequestStatus.PARTIAL,
                    ]
                ),
            ),
            models.Index(
                fields=["agency", "kind"],
                name="request_answered_idx",
                condition=Q(answered_at__isnull=False),
            ),
            models.Index(fields=["-created_at", "-id"], name="request_created_idx"),
            # The oversight dashboard's response times: requests first answered in a period.
            # A request has no unit of its own (it hangs off a case or a referral), so the
            # period narrows the rows and the join keeps the unit's.
            models.Index(
                fields=["answered_at"],
                condition=Q(answered_at__isnull=False),
                name="request_answered_at_idx",
            ),
            # The search box: any part of the other side's reference (core/trigrams.py).
            GinIndex(trigram_index_expression("external_reference"), name="request_ref_trgm_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.agency.name}"

    @property
    def record(self):
        return self.case if self.case_id else self.referral


class Communication(TimeStampedModel):
    """One exchange with a partner on a case or a referral: a call, a message, a meeting.

    The handling code travels with the summary wherever it is shown or exported; an outgoing
    communication must carry one (the database holds that rule too).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_communications",
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_communications",
    )
    occurred_at = models.DateTimeField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="communications")
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="communications"
    )
    summary = models.TextField(help_text="Neutral summary of the exchange; never content.")
    handling_code = models.CharField(max_length=12, choices=HandlingCode.choices, blank=True)
    request = models.ForeignKey(
        PartnerRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="communications",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_ON_CASE_OR_REFERRAL, name="communication_on_one_record"
            ),
            models.CheckConstraint(
                condition=Q(direction=Direction.INCOMING) | ~Q(handling_code=""),
                name="communication_outgoing_has_handling",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "-occurred_at"], name="communication_case_idx"),
            models.Index(fields=["referral", "-occurred_at"], name="communication_referral_idx"),
            models.Index(fields=["agency", "-occurred_at"], name="communication_agency_idx"),
            models.Index(fields=["-created_at", "-id"], name="communication_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_channel_display()} · {self.agency.name}"

    @property
    def record(self):
        return self.case if self.case_id else self.referral
