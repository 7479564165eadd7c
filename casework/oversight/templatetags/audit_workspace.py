from __future__ import annotations

from django import template

from casework.accounts.choices import Role
from casework.audit.selectors import ledger_status

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_status(context):
    """The ledger's status for the auditor's home panel (None for everyone else)."""
    user = context["request"].user
    if not (user.is_authenticated and user.has_role(Role.AUDITOR)):
        return None
    return ledger_status()
