from __future__ import annotations

from django import template

from casework.deadlines.selectors import deadlines_home

register = template.Library()


@register.simple_tag
def home_deadlines_for(user):
    """The home panel's three parts (see ``deadlines_home``); None for people without clocks."""
    if not user.is_authenticated or not user.has_role("investigator", "supervisor"):
        return None
    return deadlines_home(user=user)
