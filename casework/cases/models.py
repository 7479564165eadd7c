from __future__ import annotations

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casework.accounts.models import Unit
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent
from casework.core.models import TimeStampedModel

from .choices import CaseStatus, Priority


class Case(TimeStampedModel):
    """An investigation owned by a unit, led by one investigator, with assigned investigators.

    The number (``NORTH-2026-000123``) is what people say and what URLs carry; it is gap-free per
    unit and year (see ``CaseNumberSequence``). Access is need-to-know: lead and assignees hold
    guardian object permissions on the case, the unit's supervisors see all of the unit's cases
    (``casework.cases.selectors``).
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases")
    number = models.CharField(max_length=40, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_cases"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="created_cases",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        permissions = [("view_case_content", "Can see the content of the case")]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "sequence"], name="case_number_unique"),
            models.CheckConstraint(
                condition=models.Q(status=CaseStatus.CLOSED, closed_at__isnull=False)
                | (~models.Q(status=CaseStatus.CLOSED) & models.Q(closed_at__isnull=True)),
                name="case_closed_at_iff_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "-opened_at"], name="case_unit_status_idx"),
            models.Index(fields=["lead", "status"], name="case_lead_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED


class CaseAssignment(TimeStampedModel):
    """An investigator assigned to a case (besides its lead)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_assignment_unique")
        ]
        indexes = [models.Index(fields=["user", "case"], name="case_assignment_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} on {self.case}"


class CaseNumberSequence(models.Model):
    """The last number issued per unit and year; row-locked while a case is opened (gap-free)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="case_sequence_unit_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit.case_prefix}-{self.year}: {self.last_value}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct-FK permission table for cases: fast ``Exists()`` subqueries, real FKs."""

    # A named reverse relation is required: guardian finds direct-FK tables through it.
    content_object = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="user_object_permissions"
    )

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [
            models.Index(fields=["user", "content_object"], name="case_user_perm_idx"),
        ]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="group_object_permissions"
    )


class CaseIdentifier(TimeStampedModel):
    """An identifier of a reported person or account held by a case (e-mail, IP, phone…).

    ``raw_value`` is what the source sent (it may be read in court); ``normal_value`` is what
    deconfliction compares (``casework.core.identifiers.normalise_identifier``). The index on
    (kind, normal_value, case) makes the lookup across every case an index-only scan.
    ``source_referral_id`` is a plain integer, not a foreign key: referrals depend on cases,
    never the other way round.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=20, choices=IdentifierKind.choices)
    raw_value = models.CharField(max_length=500)
    normal_value = models.CharField(max_length=500)
    service = models.CharField(max_length=100, blank=True)
    device_kind = models.CharField(max_length=20, choices=DeviceIdKind.choices, blank=True)
    ip_event = models.CharField(max_length=20, choices=IpEvent.choices, blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    source_referral_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "normal_value", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "normal_value"], name="case_identifier_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(port__isnull=True) | models.Q(port__lte=65535),
                name="case_identifier_port_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind", "normal_value", "case"], name="case_identifier_lookup_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.raw_value}"
