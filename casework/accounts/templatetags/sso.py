"""What the sign-in page offers: the provider's button, the local form, or both."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag(takes_context=True)
def sign_in_options(context) -> dict:
    request = context["request"]
    enabled = getattr(settings, "CASEWORK_OIDC_ENABLED", False)
    sso_only = enabled and settings.CASEWORK_OIDC_ONLY
    return {
        "sso": enabled,
        "provider_name": getattr(settings, "CASEWORK_OIDC_PROVIDER_NAME", ""),
        # With single sign-on only, the password form stays reachable for break-glass
        # accounts, behind a link, so nobody else is tempted to use it.
        "local": not sso_only or request.GET.get("local") == "1" or request.method == "POST",
        "local_behind_link": sso_only,
    }
