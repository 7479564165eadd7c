from __future__ import annotations

from django import template
from django.utils.html import format_html

from casework.custody import selectors

register = template.Library()


@register.simple_tag
def hash_mismatch_badge(item):
    """The flag shown wherever an item appears once a verification disagreed with the store."""
    if not getattr(item, "hash_mismatch", False):
        return ""
    return format_html(
        '<span class="custody-badge custody-mismatch" role="img" aria-label="{}">{}</span>',
        "Hash mismatch: a verification did not match the evidence store's value",
        "hash mismatch",
    )


@register.simple_tag(takes_context=True)
def custody_summary(context):
    """Counts for the home panel, through the selectors (so they respect need-to-know)."""
    user = context["request"].user
    if not user.has_role("investigator", "supervisor"):
        return None
    return {
        "to_acknowledge": selectors.awaiting_acknowledgement(user=user).count(),
        "mismatches": selectors.item_list(user=user, mismatch_only=True).count(),
        "sign_offs": selectors.pending_sign_offs(user=user).count()
        if user.has_role("supervisor")
        else 0,
    }
