from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """Roles are Django groups with these names (DESIGN.md, contracts)."""

    INVESTIGATOR = "investigator", "Investigator"
    SUPERVISOR = "supervisor", "Supervisor"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"
