"""Time left on a triage clock, in words an investigator reads at a glance."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils.html import format_html

register = template.Library()


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


@register.simple_tag
def time_left(referral, now: datetime):
    """``5 h 10 min left`` or, past the clock, ``overdue by 2 d 3 h`` (marked as an alert)."""
    if not referral.is_open:
        return format_html('<span class="relative">{}</span>', "triage ended")
    if referral.triage_due_at is None:
        return "—"
    delta = referral.triage_due_at - now
    if delta.total_seconds() < 0:
        return format_html('<span class="alert">overdue by {}</span>', _span(delta))
    return format_html("{} left", _span(delta))


@register.inclusion_tag("referrals/_home_panel_body.html", takes_context=True)
def referrals_home_panel(context):
    """Open referrals of the user's unit, for investigators and supervisors only."""
    from casework.accounts.choices import Role

    from ..selectors import referral_status_counts

    user = context["request"].user
    if not user.is_authenticated or not user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        return {"show": False}
    return {"show": True, "counts": referral_status_counts(user=user)}
