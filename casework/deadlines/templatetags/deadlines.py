from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from casework.core.templatetags.casework import when
from casework.deadlines.choices import DeadlineKind, DeadlineState
from casework.deadlines.selectors import deadlines_home

register = template.Library()


@register.simple_tag
def home_deadlines_for(user):
    """The home panel's three parts (see ``deadlines_home``); None for people without clocks."""
    if not user.is_authenticated or not user.has_role("investigator", "supervisor"):
        return None
    return deadlines_home(user=user)


def _url_around(name: str, placeholder: str) -> tuple[str, str]:
    """A URL pattern's text before and after its one argument (the unit board draws one list
    per person, so this is remembered per script prefix rather than reversed per list)."""
    return _url_around_under(name, placeholder, get_script_prefix())


@lru_cache(maxsize=64)
def _url_around_under(name: str, placeholder: str, prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[placeholder])
    before, _, after = url.partition(placeholder)
    return before, after


_SAFE_IN_PATH = "/~:@!$&'()*+,;="  # what ``reverse`` leaves unquoted


@register.simple_tag
def deadline_rows(deadlines, show_owner=False, empty=""):
    """The rows of ``deadlines/_table.html``, built in one pass.

    A list page shows up to 200 clocks; written as template tags, each row resolved some forty
    lookups, reversed two URLs and looked its kind and state up in the choices (about 60 ms of
    a 200-row page on national data). The markup is the template's, row for row.
    """
    rows = []
    kinds, states = dict(DeadlineKind.choices), dict(DeadlineState.choices)
    detail = _url_around("deadlines:detail", "00000000-0000-0000-0000-000000000000")
    case_url = _url_around("cases:detail", "CASE-NUMBER")
    referral_url = _url_around("referrals:detail", "1")
    now = timezone.now()
    for deadline in deadlines:
        overdue = deadline.state == DeadlineState.MISSED or (
            deadline.state == DeadlineState.OPEN and deadline.due_at <= now
        )
        if deadline.case_id:
            number = deadline.case.number
            subject = (
                f'<a href="{case_url[0]}{escape(quote(number, safe=_SAFE_IN_PATH))}'
                f'{case_url[1]}">{escape(number)}</a>'
            )
        elif deadline.referral_id:
            subject = (
                f'<a href="{referral_url[0]}{deadline.referral_id}{referral_url[1]}">'
                f"Referral {escape(deadline.referral.source_reference)}</a>"
            )
        else:
            subject = escape(deadline.unit.name)
        owner = ""
        if show_owner:
            name = deadline.owner.get_full_name() if deadline.owner_id else ""
            owner = f"<td>{escape(name or 'Unit queue')}</td>"
        flag = ' <strong class="alert">Overdue</strong>' if overdue else ""
        rows.append(
            f'<tr class="deadline-row{" overdue" if overdue else ""}">'
            f"<td>{when(deadline.due_at)}{flag}</td>"
            f'<td><a href="{detail[0]}{deadline.reference}{detail[1]}">'
            f"{escape(kinds.get(deadline.kind, deadline.kind))}</a></td>"
            f"<td>{subject}</td>"
            f"<td>{escape(states.get(deadline.state, deadline.state))}</td>"
            f"{owner}</tr>"
        )
    if not rows:
        columns = 5 if show_owner else 4
        rows.append(f'<tr><td colspan="{columns}">{escape(empty or "No deadlines.")}</td></tr>')
    return mark_safe("\n".join(rows))  # every value above is escaped
