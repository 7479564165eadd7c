"""The roles, below every app that checks them.

Roles are Django groups with these names (DESIGN.md, contracts). They live in ``core`` so that
the audit ledger, which sits below accounts, can check who may read it without importing the
accounts app; ``casework.accounts.choices`` re-exports ``Role`` for everyone else.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """Roles are Django groups with these names (DESIGN.md, contracts)."""

    INVESTIGATOR = "investigator", "Investigator"
    SUPERVISOR = "supervisor", "Supervisor"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"
