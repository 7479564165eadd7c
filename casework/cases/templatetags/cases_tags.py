from __future__ import annotations

from django import template

from casework.accounts.choices import Role

from .. import selectors

register = template.Library()

HOME_CASES_SHOWN = 5


@register.inclusion_tag("cases/_home_panel_body.html", takes_context=True)
def cases_home_panel(context):
    """The home page's "my open cases" panel: a few cases, and the closure queue size."""
    user = context["request"].user
    if not user.is_authenticated or not user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        return {"cases_home": None}
    page = selectors.case_list(
        user=user,
        filters=selectors.CaseFilters(scope="mine", open_only=True),
        limit=HOME_CASES_SHOWN,
    )
    closures = selectors.closure_queue_for(user).count()
    return {"cases_home": {"cases": page.cases, "closures": closures}}
