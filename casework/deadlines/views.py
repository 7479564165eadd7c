"""Pages: my deadlines, the month calendar, the unit board, a deadline, and the calendar feed.

Every page reads through ``selectors`` (a deadline one may not see answers 404) and every change
goes through ``services``.
"""

from __future__ import annotations

import calendar as month_calendar
import hashlib
from collections import OrderedDict
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework.accounts.selectors import user_may_sign_in
from casework.accounts.zones import in_user_zone
from casework.cases.selectors import case_get_for
from casework.core.errors import DomainError

from . import selectors, services
from .acts import may_meet_by_hand, may_waive, meeting_act
from .choices import ACTIVE_STATES, DeadlineState
from .clock import zone_for
from .forms import DeadlineCreateForm, ExtendForm, MeetForm, WaiveForm
from .ical import calendar_for
from .models import CalendarFeedToken

LIST_LIMIT = 200
# What the lists (deadlines/_table.html, the board's grouping) read of each clock; only these
# are loaded. A column shown later must be added here, or it is fetched row by row.
LIST_FIELDS = (
    "reference", "kind", "state", "due_at", "case", "referral", "unit", "owner",
    "case__number", "referral__source_reference", "unit__name",
    "owner__username", "owner__first_name", "owner__last_name",
)  # fmt: skip
FEED_TOKEN_SESSION_KEY = "deadlines_new_feed_token"


def _investigator_or_supervisor(request: HttpRequest) -> None:
    if not request.user.has_role("investigator", "supervisor"):
        raise Http404("Deadlines are for investigators and supervisors.")


STATE_FILTERS = {
    "active": ACTIVE_STATES,
    "met": (DeadlineState.MET,),
    "waived": (DeadlineState.WAIVED,),
    "extended": (DeadlineState.EXTENDED,),
    "all": (),
}


@login_required
@require_GET
@in_user_zone
def mine(request: HttpRequest) -> HttpResponse:
    _investigator_or_supervisor(request)
    state = request.GET.get("state", "active")
    if state not in STATE_FILTERS:
        state = "active"
    deadlines = selectors.deadlines_mine_first(
        user=request.user, states=STATE_FILTERS[state], limit=LIST_LIMIT, fields=LIST_FIELDS
    )
    return render(
        request,
        "deadlines/mine.html",
        {
            "deadlines": deadlines,
            "state": state,
            "states": list(STATE_FILTERS),
            "limit": LIST_LIMIT,
        },
    )


def _month_from(value: str, today: date) -> date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        return today.replace(day=1)


@login_required
@require_GET
@in_user_zone
def calendar(request: HttpRequest) -> HttpResponse:
    _investigator_or_supervisor(request)
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    first = _month_from(request.GET.get("month", ""), today)
    next_first = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(next_first, datetime.min.time(), tzinfo=zone)
    by_day: dict[date, list] = {}
    for deadline in selectors.deadlines_in_range(user=request.user, start=start, end=end):
        by_day.setdefault(timezone.localtime(deadline.due_at).date(), []).append(deadline)
    weeks = [
        [
            {"day": day, "in_month": day.month == first.month, "deadlines": by_day.get(day, [])}
            for day in week
        ]
        for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(
            first.year, first.month
        )
    ]
    previous = (first - timedelta(days=1)).replace(day=1)
    return render(
        request,
        "deadlines/calendar.html",
        {
            "weeks": weeks,
            "month": first,
            "previous": previous.strftime("%Y-%m"),
            "next": next_first.strftime("%Y-%m"),
            "today": today,
            "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            "total": sum(len(v) for v in by_day.values()),
        },
    )


@login_required
@require_GET
@in_user_zone
def board(request: HttpRequest) -> HttpResponse:
    deadlines = selectors.deadlines_unit_board_first(
        user=request.user, limit=LIST_LIMIT, fields=LIST_FIELDS
    )
    groups: OrderedDict[str, dict] = OrderedDict()
    for deadline in sorted(
        deadlines, key=lambda d: (d.owner.get_full_name() if d.owner else "~", d.due_at)
    ):
        name = (
            (deadline.owner.get_full_name() or deadline.owner.username)
            if deadline.owner
            else ("Unassigned (unit queue)")
        )
        group = groups.setdefault(name, {"name": name, "overdue": [], "this_week": []})
        (group["overdue"] if deadline.is_overdue else group["this_week"]).append(deadline)
    return render(
        request,
        "deadlines/board.html",
        {
            "groups": list(groups.values()),
            "overdue_count": sum(len(g["overdue"]) for g in groups.values()),
            "week_count": sum(len(g["this_week"]) for g in groups.values()),
        },
    )


@login_required
@in_user_zone
def detail(request: HttpRequest, reference) -> HttpResponse:
    deadline = selectors.deadline_get_for(user=request.user, reference=reference)
    return _render_detail(request, deadline)


def _render_detail(
    request, deadline, *, meet_form=None, waive_form=None, extend_form=None, status=200
):
    return render(
        request,
        "deadlines/detail.html",
        {
            "deadline": deadline,
            "meeting_act": meeting_act(deadline),
            "may_meet": may_meet_by_hand(request.user, deadline),
            "may_waive": may_waive(request.user, deadline),
            "meet_form": meet_form or MeetForm(),
            "waive_form": waive_form or WaiveForm(),
            "extend_form": extend_form or ExtendForm(),
            "chain": _chain(deadline),
        },
        status=status,
    )


def _chain(deadline) -> list:
    """The deadlines this one extended, oldest first (a short history)."""
    chain, current = [], deadline
    while True:
        previous = getattr(current, "extended_from", None)
        if previous is None or len(chain) > 20:
            break
        chain.insert(0, previous)
        current = previous
    return chain


@login_required
@require_POST
@in_user_zone
def meet(request: HttpRequest, reference) -> HttpResponse:
    deadline = selectors.deadline_get_for(user=request.user, reference=reference)
    form = MeetForm(request.POST)
    if form.is_valid():
        try:
            services.deadline_meet_by_hand(
                actor=request.user, deadline=deadline, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            error.add_to_form(form)
            return _render_detail(request, deadline, meet_form=form, status=error.status)
        messages.success(request, f"{deadline.get_kind_display()} marked as met.")
        return redirect("deadlines:detail", reference=deadline.reference)
    return _render_detail(request, deadline, meet_form=form, status=400)


@login_required
@require_POST
@in_user_zone
def waive(request: HttpRequest, reference) -> HttpResponse:
    deadline = selectors.deadline_get_for(user=request.user, reference=reference)
    form = WaiveForm(request.POST)
    if form.is_valid():
        try:
            services.deadline_waive(
                actor=request.user, deadline=deadline, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            error.add_to_form(form)
            return _render_detail(request, deadline, waive_form=form, status=error.status)
        messages.success(request, f"{deadline.get_kind_display()} waived.")
        return redirect("deadlines:detail", reference=deadline.reference)
    return _render_detail(request, deadline, waive_form=form, status=400)


@login_required
@require_POST
@in_user_zone
def extend(request: HttpRequest, reference) -> HttpResponse:
    deadline = selectors.deadline_get_for(user=request.user, reference=reference)
    form = ExtendForm(request.POST)
    if form.is_valid():
        new_due_at = form.cleaned_data["new_due_at"]
        if new_due_at is not None and timezone.is_naive(new_due_at):
            new_due_at = new_due_at.replace(tzinfo=zone_for(deadline.time_zone))
        try:
            extension = services.deadline_extend(
                actor=request.user,
                deadline=deadline,
                new_due_at=new_due_at,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Extended: this is the new deadline.")
            return redirect("deadlines:detail", reference=extension.reference)
    return _render_detail(request, deadline, extend_form=form, status=400)


@login_required
@in_user_zone
def create(request: HttpRequest) -> HttpResponse:
    _investigator_or_supervisor(request)
    form = DeadlineCreateForm(request.POST or None, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_get_for(user=request.user, number=data["case"].strip())
            due_at = data["due_at"]
            if due_at is not None and timezone.is_naive(due_at):
                zone_name = data["time_zone"] or case.unit.time_zone
                due_at = due_at.replace(tzinfo=zone_for(zone_name))
            deadline = services.deadline_start(
                actor=request.user,
                kind=data["kind"],
                case=case,
                due_at=due_at,
                time_zone=data["time_zone"] or None,
                jurisdiction=data["jurisdiction"],
                note=data["note"],
                owner=request.user,
            )
        except ValueError as error:
            form.add_error("time_zone", str(error))
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"{deadline.get_kind_display()} started.")
            if request.GET.get("case") == case.number:
                # Started from the case page: back to it, where the header shows the new clock.
                return redirect("cases:detail", number=case.number)
            return redirect("deadlines:detail", reference=deadline.reference)
    return render(
        request, "deadlines/create.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def feed_settings(request: HttpRequest) -> HttpResponse:
    _investigator_or_supervisor(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            services.calendar_feed_token_revoke(actor=request.user)
            messages.success(request, "Your calendar feed address no longer works.")
        elif action == "issue":
            token = services.calendar_feed_token_issue(actor=request.user)
            # Shown once on the next page, then forgotten: only the hash is stored.
            request.session[FEED_TOKEN_SESSION_KEY] = token
        return redirect("deadlines:feed-settings")
    token = request.session.pop(FEED_TOKEN_SESSION_KEY, None)
    feed_url = (
        request.build_absolute_uri(f"/deadlines/feed/{token}.ics") if token is not None else None
    )
    return render(
        request,
        "deadlines/feed_settings.html",
        {
            "feed_url": feed_url,
            "has_token": CalendarFeedToken.objects.filter(user=request.user).exists(),
        },
    )


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal iCalendar feed. No sign-in (calendar clients cannot): the URL's secret is
    the credential, checked by hash; an unknown or revoked one answers 404 like any record one
    may not see."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    found = CalendarFeedToken.objects.select_related("user", "user__unit").filter(token_hash=digest)
    feed_token = found.first()
    if feed_token is None or not user_may_sign_in(feed_token.user):
        raise Http404("No such calendar.")
    user = feed_token.user
    now = timezone.now()
    CalendarFeedToken.objects.filter(pk=feed_token.pk).update(last_used_at=now)
    body = calendar_for(
        selectors.deadlines_for_feed(user=user, now=now),
        name=f"Casework deadlines · {user.get_username()}",
        now=now,
        # The address the calendar client reached the feed at: its links work from there.
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="casework-deadlines.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
