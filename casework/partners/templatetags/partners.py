"""Template helpers for the partners home panel (reads go through the selectors)."""

from __future__ import annotations

from django import template

from casework.partners.models import agency_label as _agency_label
from casework.partners.selectors import open_requests_by_agency

register = template.Library()


@register.simple_tag
def partner_requests_summary(user) -> dict:
    """Open partner requests the user can see: how many, and the slowest agency."""
    if not user.is_authenticated or not user.has_role("investigator", "supervisor"):
        return {"open": 0, "slowest": None}
    rows = open_requests_by_agency(user=user)
    return {"open": sum(row["open_count"] for row in rows), "slowest": rows[0] if rows else None}


@register.simple_tag
def agency_label(name: str, country: str) -> str:
    """An agency's name and country from a values() row, the country said once."""
    return _agency_label(name, country)
