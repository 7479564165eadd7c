"""Case templates: the first steps every case of a kind needs, kept as versioned data.

A template is edited by administrators; each save that changes its content makes a new
``CaseTemplateVersion`` whose tasks, clocks and checklist items never change afterwards. A case
opened from a template records the version it used (``CaseTemplateUse``), so a later change to
the template does not rewrite open cases and a supervisor can always tell which steps a case was
given. Checklist items copied onto a case (``ChecklistItem``) are done, not done or not
applicable with a reason; one whose evidence exists (a request sent, an exhibit submitted, a
clock met) is ticked by the system with a link to that record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.core.models import TimeStampedModel

from .choices import EVIDENCE_CHOICES, ChecklistState


class CaseTemplate(TimeStampedModel):
    """A named set of first steps, for one incident type (or chosen by hand).

    At most one active template per incident type (partial unique constraint): accepting a
    referral of that type applies it without asking. ``current_version`` is the version new
    cases get; retired templates (``active=False``) are kept for the cases that used them.
    """

    name = models.CharField(max_length=200, unique=True)
    incident_type = models.ForeignKey(
        "referrals.IncidentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_templates",
    )
    active = models.BooleanField(default=True)
    current_version = models.ForeignKey(
        "CaseTemplateVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident_type"],
                condition=Q(active=True, incident_type__isnull=False),
                name="case_template_one_active_per_type",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CaseTemplateVersion(models.Model):
    """One fixed state of a template's content; never edited once written."""

    template = models.ForeignKey(CaseTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, help_text="What changed, and why.")

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="case_template_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"


class TemplateTask(models.Model):
    """A task every case of the template gets, due ``due_days`` after the case opens."""

    version = models.ForeignKey(CaseTemplateVersion, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    due_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="template_task_position")
        ]

    def __str__(self) -> str:
        return self.title


class TemplateClock(models.Model):
    """A clock every case of the template starts, reckoned by a rule of the deadlines engine."""

    version = models.ForeignKey(
        CaseTemplateVersion, on_delete=models.CASCADE, related_name="clocks"
    )
    position = models.PositiveSmallIntegerField()
    rule = models.ForeignKey(
        "deadlines.DeadlineRule", on_delete=models.PROTECT, related_name="template_clocks"
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="template_clock_position")
        ]

    def __str__(self) -> str:
        return str(self.rule)


class TemplateChecklistItem(models.Model):
    """A statement to confirm on every case of the template, optionally with its evidence."""

    version = models.ForeignKey(
        CaseTemplateVersion, on_delete=models.CASCADE, related_name="checklist_items"
    )
    position = models.PositiveSmallIntegerField()
    statement = models.CharField(max_length=300)
    evidence = models.CharField(max_length=60, choices=EVIDENCE_CHOICES, blank=True)
    due_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="template_checklist_position"
            )
        ]

    def __str__(self) -> str:
        return self.statement


class CaseTemplateUse(models.Model):
    """Which template version a case was opened with: one per case, written once."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="template_use")
    version = models.ForeignKey(CaseTemplateVersion, on_delete=models.PROTECT, related_name="uses")
    applied_at = models.DateTimeField()
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["version"], name="template_use_version_idx")]

    def __str__(self) -> str:
        return f"{self.case} from {self.version}"


class ChecklistItem(TimeStampedModel):
    """One statement on one case's checklist, and what became of it.

    The statement and evidence are copied from the template version, so they read the same
    whatever the template becomes. ``automatic`` marks an item ticked by the system because its
    evidence (``evidence_type``/``evidence_id``, strings, as deadlines name their sources)
    exists. Not applicable needs a reason (check constraint).
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="checklist_items")
    template = models.ForeignKey(CaseTemplate, on_delete=models.PROTECT, related_name="+")
    template_item = models.ForeignKey(
        TemplateChecklistItem, on_delete=models.PROTECT, related_name="case_items"
    )
    position = models.PositiveSmallIntegerField()
    statement = models.CharField(max_length=300)
    evidence = models.CharField(max_length=60, choices=EVIDENCE_CHOICES, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=16, choices=ChecklistState.choices, default=ChecklistState.OPEN
    )
    reason = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    evidence_type = models.CharField(max_length=30, blank=True)
    evidence_id = models.CharField(max_length=100, blank=True)
    evidence_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="checklist_item_position"),
            models.CheckConstraint(
                condition=~Q(state=ChecklistState.NOT_APPLICABLE) | ~Q(reason=""),
                name="checklist_not_applicable_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state=ChecklistState.OPEN, resolved_at__isnull=True)
                | (~Q(state=ChecklistState.OPEN) & Q(resolved_at__isnull=False)),
                name="checklist_resolved_at_iff_resolved",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ChecklistState.values), name="checklist_state_valid"
            ),
        ]
        indexes = [
            # Auto-ticking: a case's open items awaiting one kind of evidence.
            models.Index(
                fields=["case", "evidence"],
                condition=Q(state=ChecklistState.OPEN),
                name="checklist_open_evidence_idx",
            ),
            # Oversight: items per template item, counted by outcome.
            models.Index(fields=["template", "template_item"], name="checklist_template_idx"),
        ]

    def __str__(self) -> str:
        return self.statement

    @property
    def is_open(self) -> bool:
        return self.state == ChecklistState.OPEN

    @property
    def key(self) -> str:
        """Its key on the closure checklist (``casework.cases.closure``)."""
        return f"checklist:{self.pk}"
