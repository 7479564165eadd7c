"""The ledger's events said in words for one reader, with the compartments applied: names,
record labels (one query per kind of record on the page) and links."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.audit.models import AuditEvent

from ..models import Case
from ..selectors import can_see_victims
from .kinds import Entry, kind_of, sees_event_ids, viewer_zone


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# Each lookup: (model label, values() fields). One query per record type on the page.
_LOOKUPS: dict[str, tuple[str, ...]] = {
    "referrals.referral": ("source_reference", "source_agency"),
    "deadlines.deadline": ("kind", "reference", "due_at"),
    "partners.partnerrequest": ("kind", "agency__name", "agency__country"),
    "partners.communication": ("agency__name", "agency__country"),
    "custody.evidenceitem": ("exhibit_number", "public_id"),
    "custody.custodyevent": ("kind", "item__exhibit_number", "item__public_id"),
    "custody.custodysignoff": ("kind", "item__exhibit_number", "item__public_id"),
}


def _labels(events: Iterable[AuditEvent]) -> dict[tuple[str, str], dict]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_type in _LOOKUPS and event.object_id:
            wanted[event.object_type].add(event.object_id)
    found: dict[tuple[str, str], dict] = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        fields = _LOOKUPS[label]
        for row in model._base_manager.filter(pk__in=ids).values("pk", *fields):
            row["_choices"] = model
            found[(label, str(row["pk"]))] = row
    return found


def _display(model, field: str, value) -> str:
    choices = dict(model._meta.get_field(field).flatchoices)
    return str(choices.get(value, value or ""))


def _change(event: AuditEvent, field: str):
    pair = event.changes.get(field) if isinstance(event.changes, dict) else None
    if isinstance(pair, list) and len(pair) == 2:
        return pair[1]
    return None


def _agency(row: dict | None, event: AuditEvent) -> str:
    if row and row.get("agency__name"):
        country = row.get("agency__country")
        return f"{row['agency__name']} ({country})" if country else row["agency__name"]
    return str(event.details.get("agency", "a partner agency"))


def _request_words(row: dict | None, event: AuditEvent) -> str:
    kind = row.get("kind") if row else event.details.get("kind")
    if row:
        label = _display(row["_choices"], "kind", kind)
    else:
        label = str(kind or "request").replace("_", " ")
    label = label.lower()
    if not label.endswith(("request", "notice", "order", "order / subpoena")):
        label = f"{label} request"
    article = "an" if label[:1] in "aeiou" else "a"
    return f"{article} {label}"


_REQUEST_STATUS_VERBS = {
    "sent": "sent",
    "acknowledged": "recorded the acknowledgement of",
    "partial": "recorded a partial answer to",
    "fulfilled": "recorded the answer fulfilling",
    "refused": "recorded the refusal of",
    "expired": "marked as expired",
    "withdrawn": "withdrew",
}


_CASE_VERBS = {
    "case.create": "opened the case",
    "case.update": "edited the title or summary",
    "case.close_request": "asked for the case to be closed",
    "case.close": "approved the closure; the case is closed",
    "case.close_reject": "turned down the closure; the case stays open",
    "case.chronology_export": "exported the chronology",
    "case_task.complete": "completed a task",
    "case_task.reopen": "reopened a task",
    "case_review.create": "recorded a case review",
    "identifier.matched": "was told an identifier matches another case",
    "evidence_hash.create": "recorded a hash value",
    "custody_report.download": "downloaded the custody report",
    "custody_export.case_uco": "exported the custody record (CASE/UCO)",
    "communication.export": "exported the communications log",
    "referral.duplicate": "recorded a duplicate arrival of the referral",
    "referral.triage_start": "started triage of the referral",
    "referral.prioritise": "re-prioritised the referral",
}


def _phrase(
    event: AuditEvent, row: dict | None, case: Case, victims_open: bool, values: bool
) -> tuple[str, str]:
    """The words after the actor's name, and the link to the record."""
    action = event.action
    number = case.number
    if action.startswith("victim."):
        return _victim_words(event, number, victims_open)
    if action.startswith("deadline."):
        return _deadline_words(event, row, number)
    if action.startswith("partner_request.") or action == "communication.create":
        return _partner_words(event, row)
    if action.startswith(("evidence_item.", "evidence_hash.", "custody_")):
        told = _custody_words(event, row, number)
        if told is not None:
            return told
    if action.startswith(("referral.", "referral_identifier.")):
        return _referral_words(event, row, number)
    return _case_words(event, number, values)


def _victim_words(event: AuditEvent, number: str, victims_open: bool) -> tuple[str, str]:
    action = event.action
    url = _url("cases:victims", number)
    if not victims_open:
        # The compartment: that it happened, never what.
        word = {"victim.view": "viewed", "victim.update": "updated"}.get(action, "changed")
        return f"victim record {word}", url
    if action == "victim.view":
        reason = f" (reason: {event.reason})" if event.reason else ""
        return f"opened the victim records{reason}", url
    if action == "victim.safeguarding":
        return "recorded a safeguarding action for a victim", url
    names = set(event.changes) if isinstance(event.changes, dict) else set()
    if isinstance(event.details, dict):
        # References are encrypted: the event names them, without their values.
        names.update(event.details.get("references_changed") or ())
    fields = ", ".join(sorted(names))
    return f"updated a victim record ({fields})" if fields else "updated a victim record", url


def _deadline_words(event: AuditEvent, row: dict | None, number: str) -> tuple[str, str]:
    kind = (row or {}).get("kind") or _change(event, "kind") or ""
    label = _display(apps.get_model("deadlines.Deadline"), "kind", kind) if kind else "a"
    what = f"the {label} deadline" if kind else "a deadline"
    url = _url("deadlines:detail", row["reference"]) if row else ""
    verb = event.action.split(".", 1)[1]
    if verb == "start":
        due = _change(event, "due_at")
        due_text = f", due {_short(due)}" if due else ""
        return f"started {what}{due_text}", url
    if verb == "hand_over":
        owner = _change(event, "owner") or "the new lead"
        return f"handed the case's running deadlines to {owner}", _url("cases:detail", number)
    words = {
        "meet": f"marked {what} as met",
        "waive": f"waived {what}",
        "extend": f"extended {what}",
        "reschedule": f"rescheduled {what}",
        "miss": f"recorded {what} as missed",
        "adopt": f"let {what}, already running, serve the record that would have started it",
    }.get(verb, f"changed {what}")
    return words, url


def _partner_words(event: AuditEvent, row: dict | None) -> tuple[str, str]:
    if event.action == "communication.create":
        url = _url("partners:communication", event.object_id) if event.object_id else ""
        return f"logged a communication with {_agency(row, event)}", url
    url = _url("partners:request", event.object_id) if event.object_id else ""
    request = _request_words(row, event)
    agency = _agency(row, event)
    if event.action == "partner_request.create":
        return f"recorded {request} to {agency}", url
    status = _change(event, "status")
    verb = _REQUEST_STATUS_VERBS.get(status, "updated")
    return f"{verb} {request} to {agency}", url


def _custody_words(event: AuditEvent, row: dict | None, number: str) -> tuple[str, str] | None:
    """Words for an exhibit's record, or ``None`` for an action the case's words tell."""
    action = event.action
    exhibit = (
        (row or {}).get("exhibit_number")
        or (row or {}).get("item__exhibit_number")
        or event.details.get("exhibit", "")
    )
    public_id = (row or {}).get("public_id") or (row or {}).get("item__public_id")
    url = _url("custody:item", public_id) if public_id else _url("custody:case-items", number)
    if action == "custody_event.create":
        kind = (row or {}).get("kind") or event.details.get("kind", "")
        label = _display(apps.get_model("custody.CustodyEvent"), "kind", kind).lower()
        return f"recorded custody of exhibit {exhibit}: {label}", url
    words = {
        "evidence_item.create": f"recorded exhibit {exhibit}",
        "custody_event.acknowledge": f"acknowledged the hand-over of exhibit {exhibit}",
        "custody_signoff.request": f"asked for a second signature on exhibit {exhibit}",
        "custody_signoff.countersign": f"countersigned on exhibit {exhibit}",
        "custody_signoff.refuse": f"refused to countersign on exhibit {exhibit}",
        "evidence_hash.create": f"recorded a hash value of exhibit {exhibit}",
    }.get(action)
    return None if words is None else (words, url)


def _referral_words(event: AuditEvent, row: dict | None, number: str) -> tuple[str, str]:
    action = event.action
    reference = (row or {}).get("source_reference") or _change(event, "source_reference")
    referral_id = event.object_id if event.object_type == "referrals.referral" else ""
    url = _url("referrals:detail", int(referral_id)) if referral_id.isdigit() else ""
    named = f"referral {reference}" if reference else "the referral"
    words = {
        "referral.create": f"recorded {named}",
        "referral.accept": f"accepted {named} into {number}",
        "referral.decline": f"declined {named}",
        "referral.refer_out": f"referred {named} out",
        "referral_identifier.create": "added an identifier to the referral",
    }.get(action)
    if words is None:
        words = _CASE_VERBS.get(action, action)
        words = words.replace("the referral", named)
    return words, url


def _case_words(event: AuditEvent, number: str, values: bool) -> tuple[str, str]:
    """The case's own records (notes, tasks, subjects, identifiers) and the case itself."""
    action = event.action
    case_url = _url("cases:detail", number)
    if action == "case_note.create":
        return "added a note", _url("cases:notes", number)
    if action == "case_task.create":
        title = _change(event, "title") if values else None
        return (f"added the task “{title}”" if title else "added a task"), _url(
            "cases:tasks", number
        )
    if action.startswith("case_task."):
        return _CASE_VERBS.get(action, "changed a task"), _url("cases:tasks", number)
    if action == "case_subject.create":
        return "added a subject", _url("cases:subjects", number)
    if action == "case_identifier.create":
        kind = _change(event, "kind") or "an"
        return f"added {kind} identifier", _url("cases:identifiers", number)
    if action in ("case.assign", "case.unassign"):
        who = event.details.get("user", "someone")
        verb = "assigned" if action == "case.assign" else "took"
        tail = " to the case" if action == "case.assign" else " off the case"
        return f"{verb} {who}{tail}", case_url
    if action in ("case.status", "case.priority", "case.lead"):
        field = action.split(".", 1)[1]
        new = _change(event, field)
        return (f"set the {field} to {new}" if new and values else f"changed the {field}"), case_url
    if action == "case.close_request":
        carried = event.details.get("carried") or []
        tail = f", carrying {len(carried)} open item{'s' if len(carried) != 1 else ''}"
        return _CASE_VERBS[action] + (tail if carried else ""), _url("cases:close-request", number)
    if action in _CASE_VERBS:
        return _CASE_VERBS[action], case_url
    return action.replace("_", " ").replace(".", ": "), case_url


def _short(value) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%d %b %Y %H:%M UTC")


def describe(*, user, case: Case, events: list[AuditEvent]) -> list[Entry]:
    """Rows in words for ``user``: names, labels and links, with the compartments applied."""
    zone = viewer_zone(user)
    show_ids = sees_event_ids(user)
    victims_open = can_see_victims(user, case)
    # Auditors read field names, not values, everywhere in the trail; so here.
    values = not user.has_role(Role.AUDITOR)
    actor_ids = {event.actor_id for event in events if event.actor_id}
    names = {
        pk: (f"{first} {last}".strip() or username)
        for pk, first, last, username in User.objects.filter(pk__in=actor_ids).values_list(
            "pk", "first_name", "last_name", "username"
        )
    }
    labels = _labels(events)
    entries = []
    for event in events:
        actor = names.get(event.actor_id) or event.actor_username or "Casework (automatic)"
        row = labels.get((event.object_type, event.object_id))
        text, url = _phrase(event, row, case, victims_open, values)
        if event.outcome != "succeeded":
            text = f"tried to {text} (refused)"
        entries.append(
            Entry(
                occurred_at=event.occurred_at.astimezone(zone),
                kind=kind_of(event.action),
                actor=actor,
                text=text,
                url=url,
                event_id=event.pk if show_ids else None,
            )
        )
    return entries
