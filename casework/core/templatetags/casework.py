"""Template helpers: times in the reader's zone with a relative phrase beside them."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import TIME_STRINGS, timesince, timeuntil

register = template.Library()


@lru_cache(maxsize=2048)
def _unit_text(language: str | None, name: str, number: int) -> str:
    return TIME_STRINGS[name] % {"num": number}


class _Unit:
    """One of timesince's unit names ("%(num)d day"/"days"), translated once per language
    and number instead of on every call: a list page asks for hundreds of them."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __mod__(self, values: dict) -> str:
        return _unit_text(translation.get_language(), self.name, values["num"])


_UNITS = {name: _Unit(name) for name in TIME_STRINGS}


@register.simple_tag
def when(value: datetime | None):
    """``<time>`` element: absolute local time, and "in 3 days" / "2 hours ago" beside it."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    now = timezone.now()
    if value > now:
        relative = f"in {timeuntil(value, now, time_strings=_UNITS)}"
    else:
        relative = f"{timesince(value, now, time_strings=_UNITS)} ago"
    # Built directly rather than with format_html (a row of a long list calls this): the ISO
    # time is digits and punctuation, everything else is escaped as format_html would.
    return mark_safe(
        f'<time datetime="{value.isoformat()}" title="{escape(local.strftime("%Z"))}">'
        f"{escape(local.strftime('%d %b %Y %H:%M'))}</time>"
        f' <span class="text-base-dark">({escape(relative)})</span>'
    )


@register.inclusion_tag("core/_case_links.html")
def case_links_for(number: str) -> dict:
    from casework.core.navigation import case_links

    return {"links": case_links(number)}


@register.simple_tag
def case_link(number: str | None):
    """A case number as a link to its page (which answers 404 to those who may not see it, so
    the link tells nothing the number does not)."""
    if not number:
        return "—"
    return format_html('<a href="{}">{}</a>', reverse("cases:detail", args=[number]), number)


@register.simple_tag
def referral_link(referral):
    if referral is None:
        return "—"
    return format_html(
        '<a href="{}">Referral {}</a>',
        reverse("referrals:detail", args=[referral.pk]),
        referral.source_reference,
    )


@register.simple_tag
def subject_link(deadline):
    """What a clock hangs off, linked: its case, else its referral, else the unit's name."""
    if deadline.case_id:
        return case_link(deadline.case.number)
    if deadline.referral_id:
        return referral_link(deadline.referral)
    return deadline.unit.name


@register.inclusion_tag("core/_breadcrumbs.html")
def breadcrumbs(*trail) -> dict:
    """USWDS breadcrumb: label/URL pairs from Home down, then the current page's label.
    A URL without a slash is a URL name (``"cases:list"``)."""
    *pairs, current = trail
    links = [{"label": "Home", "url": reverse("home")}]
    for label, url in zip(pairs[::2], pairs[1::2], strict=True):
        links.append({"label": label, "url": url if "/" in str(url) else reverse(url)})
    return {"links": links, "current": current}
