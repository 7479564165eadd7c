"""Links between cases: the same subject, the same series, related, or a duplicate.

Threat: a link joins two cases that may sit in different units, with different people on them.
Seeing a link must not become a way to read the other case: someone who cannot see the other
case learns only that a link exists, its unit and its lead's contact (as deconfliction tells),
never its number, title or anything in it (``casework.linked_cases.selectors``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least

from casework.core.models import TimeStampedModel

from .choices import LinkKind


class CaseLink(TimeStampedModel):
    """One link between two cases, seen from both. ``from_case`` is the case it was made on
    (for "duplicate of", the duplicate); a pair of cases has at most one link."""

    from_case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_case=F("to_case")), name="case_link_not_self"),
            models.UniqueConstraint(
                Least("from_case", "to_case"),
                Greatest("from_case", "to_case"),
                name="case_link_pair",
            ),
            models.CheckConstraint(condition=Q(kind__in=LinkKind.values), name="case_link_kind"),
        ]
        indexes = [
            models.Index(fields=["from_case"], name="case_link_from_idx"),
            models.Index(fields=["to_case"], name="case_link_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_case_id} {self.kind} {self.to_case_id}"
