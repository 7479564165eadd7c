"""The audit workspace for auditors and supervisors: search, timelines, flags, export, reviews.

Every view checks ``can_read_trail`` and reads through ``trail`` (who may read which events);
searches and exports are themselves audited. A person or case outside the reader's reach
answers 404. Mounted at ``/audit/`` under the ``audit`` URL names (``audit_urls``).
"""

from __future__ import annotations

import csv
import datetime
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from casework.audit.services import audit_record, json_safe
from casework.cases.models import Case
from casework.core.csv import neutralise
from casework.core.errors import DomainError

from . import trail
from .audit_flags import flags_for
from .audit_reviews import audit_review_record, reviews_visible_to
from .workspace_forms import EventFilterForm, ReviewForm

CSV_COLUMNS = [
    "id", "occurred_at", "actor_id", "actor_username", "action", "outcome", "object_type",
    "object_id", "case_id", "request_id", "ip_address", "user_agent", "reason", "changes",
    "details", "source",
]  # fmt: skip
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).


def _require_reader(request: HttpRequest) -> None:
    if not trail.can_read_trail(request.user):
        raise Http404("Not found.")


def _filters(request: HttpRequest, **fixed) -> tuple[EventFilterForm, trail.EventFilters]:
    form = EventFilterForm({**request.GET.dict(), **fixed})
    data = form.cleaned_data if form.is_valid() else {}
    filters = trail.EventFilters(
        person=data.get("person", ""),
        case=data.get("case", ""),
        object_type=data.get("object_type", ""),
        object_id=data.get("object_id", ""),
        action=data.get("action", ""),
        outcome=data.get("outcome", ""),
        since=data.get("since"),
        until=data.get("until"),
        cursor=request.GET.get("cursor", ""),
    )
    return form, filters


def _rows(user, events) -> list[dict]:
    # The time strings and person links are made here, not by the template's date filter and
    # url tag: on a 50-row page those were a good part of the rendering. Same text: the
    # template shows times in the current zone, as ``localtime`` does.
    # The ledger keeps the case's id; readers know cases by number (one query per page).
    ids = {event.case_id for event in events if event.case_id}
    numbers = dict(Case.objects.filter(pk__in=ids).values_list("pk", "number")) if ids else {}
    people: dict[str, str] = {}
    rows = []
    for event in events:
        local = timezone.localtime(event.occurred_at)
        name = event.actor_username
        if name and name not in people:
            people[name] = reverse("audit:person", args=[name])
        rows.append(
            {
                "event": event,
                "changes": trail.changes_shown_to(user, event),
                "iso": local.isoformat(),
                "shown": local.strftime("%Y-%m-%d %H:%M:%S.%f"),
                "person_url": people.get(name, ""),
                "case_number": numbers.get(event.case_id, ""),
            }
        )
    return rows


SEARCH_TEMPLATE = "oversight/audit/search.html"


def _page(request, *, title: str, template: str = SEARCH_TEMPLATE, **fixed) -> HttpResponse:
    _require_reader(request)
    form, filters = _filters(request, **fixed)
    try:
        events, following = trail.event_page(user=request.user, filters=filters)
    except DomainError as error:
        if error.status == 404:
            raise
        error.add_to_form(form)
        events, following = [], None
    audit_record(
        actor=request.user,
        action="audit.search",
        details={**filters.as_details(), "page": "next" if filters.cursor else "first"},
    )
    query = {k: v for k, v in request.GET.items() if k != "cursor" and v}
    query.update(fixed)
    return render(
        request,
        template,
        {
            "title": title,
            "form": form,
            "rows": _rows(request.user, events),
            "next_url": f"?{urlencode({**query, 'cursor': following})}" if following else "",
            "export_query": urlencode(query),
            "fixed": fixed,
            "sees_values": trail.sees_values(request.user),
        },
    )


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    return _page(request, title="Audit trail")


@login_required
def case_timeline(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, title=f"Timeline of case {number}", case=number)


@login_required
def person_activity(request: HttpRequest, username: str) -> HttpResponse:
    return _page(request, title=f"Activity of {username}", person=username)


def _neutralise(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return neutralise(text)


class _Echo:
    def write(self, value):
        return value


def _export_rows(request, filters):
    """Each event as the ledger recorded it: the document its canonical bytes hold (format
    version ``v``, actor id, source, the changes as recorded), and under ``ledger`` its leaf
    index and hash. Without ``ledger`` the document is exactly what was hashed, so anyone can
    re-hash it (RFC 8785, then SHA-256 of 0x00 || bytes) and compare. A reader who may not see
    values (an auditor) gets the changed fields' names only, and ``ledger.redacted`` says so:
    that event cannot be re-hashed from the export."""
    events = (
        trail.event_search(user=request.user, filters=filters)
        .select_related("seal")[: trail.EXPORT_LIMIT]
        .iterator(chunk_size=2000)
    )
    sees_values = trail.sees_values(request.user)
    for event in events:
        document = json.loads(bytes(event.canonical)) if event.canonical else _document(event)
        ledger: dict = {"leaf_index": None, "leaf_hash": None}
        seal = getattr(event, "seal", None)
        if seal is not None:
            ledger = {"leaf_index": seal.position, "leaf_hash": bytes(seal.leaf_hash).hex()}
        if document.get("changes") and not sees_values:
            document["changes"] = trail.changes_shown_to(request.user, event)
            ledger["redacted"] = ["changes"]
        yield event, {**document, "ledger": ledger}


def _document(event) -> dict:
    """An event without canonical bytes (inserted behind the ledger's guard): its columns."""
    return json_safe(
        {
            "v": None,
            "id": event.pk,
            "occurred_at": event.occurred_at.astimezone(datetime.UTC),
            "actor_id": event.actor_id,
            "actor_username": event.actor_username,
            "action": event.action,
            "outcome": event.outcome,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "case_id": event.case_id,
            "request_id": event.request_id,
            "ip_address": event.ip_address,
            "user_agent": event.user_agent,
            "reason": event.reason,
            "changes": event.changes,
            "details": event.details,
            "source": event.source,
        }
    )


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered view as CSV or JSON (the export is itself an audited event)."""
    _require_reader(request)
    form, filters = _filters(request)
    if form.errors:
        # A filter that cannot be read must not silently widen the export to the whole trail.
        problems = [
            f"{form.fields[name].label if name in form.fields else 'Filter'}: {message}"
            for name, messages in form.errors.items()
            for message in messages
        ]
        return HttpResponse(
            "No export was made; correct the filter and try again.\n" + "\n".join(problems) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters.cursor = ""
    trail.event_search(user=request.user, filters=filters)  # 404 for a case out of reach
    total = trail.event_search(user=request.user, filters=filters)[: trail.EXPORT_LIMIT].count()
    audit_record(
        actor=request.user,
        action="audit.export",
        details={**filters.as_details(), "format": fmt, "rows": total},
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(CSV_COLUMNS)
            for _event, row in _export_rows(request, filters):
                yield writer.writerow(
                    [_neutralise("" if row[c] is None else row[c]) for c in CSV_COLUMNS]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    else:

        def chunks():
            yield '{"filters": ' + json.dumps(filters.as_details()) + ', "events": ['
            for index, (_event, row) in enumerate(_export_rows(request, filters)):
                yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
            yield "]}"

        response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response


@login_required
def flags(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    until = timezone.now()
    since = until - datetime.timedelta(days=7)
    found = flags_for(user=request.user, since=since, until=until)
    form = ReviewForm(request.POST or None, initial={"week": ReviewForm.last_monday()})
    if request.method == "POST" and form.is_valid():
        try:
            audit_review_record(
                actor=request.user,
                week=form.cleaned_data["week"],
                findings=form.cleaned_data["findings"],
                flags_seen=len(found),
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            return redirect("audit:flags")
    items = [
        {"flag": flag, "url": reverse("audit:events") + "?" + urlencode(
            {k: v for k, v in flag.link.items() if v})}
        for flag in found
    ]  # fmt: skip
    reviews = reviews_visible_to(request.user)[:12]
    return render(
        request,
        "oversight/audit/flags.html",
        {"items": items, "since": since, "until": until, "form": form, "reviews": reviews},
    )
