"""The case chronology: the audit ledger of one case, read aloud.

Why from the ledger: it is append-only and hash-chained, so the chronology cannot say anything
the trail does not (a case's history is not a second table that could drift from the truth).

What is left out, and why:
- the database's row captures (``source = database``): every service action is also captured
  row by row, so reading both would tell each action twice or more; the service event is the
  one written in the investigator's terms;
- page views, searches and deconfliction look-ups (``NOISE``): reading is not an action on the
  case, and one visit to the case page would bury the day's work. Views of victim records stay:
  break-the-glass access is exactly what a chronology must show.
- sign-ins, heartbeats and scheduler runs never carry a case id, so they never reach here.

Threat: the ledger holds values the reader may not be entitled to. Victim records are a
compartment inside the case: a reader who may not open them sees "victim record viewed" and
nothing of the record, the change or the stated reason. Auditors see field names, never
values (as in the audit workspace). Record labels (an agency's name, an exhibit number) are
looked up per page, one query per kind of record, through the model registry: the audit app is
generic over record types, and the chronology stays as generic as the ledger it reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.apps import apps
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.accounts.zones import user_zone
from casework.audit.choices import EventSource
from casework.audit.models import AuditEvent
from casework.audit.selectors import decode_cursor, encode_cursor
from casework.audit.services import audit_record
from casework.core.errors import DomainError, NotFound

from .models import Case
from .selectors import can_see_victims, case_get_for

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000

#: kind → action prefixes (``<record>.``); the first kind whose prefix matches wins.
KINDS: dict[str, tuple[str, ...]] = {
    "referral": ("referral.", "referral_identifier."),
    "case": (
        "case.",
        "case_subject.",
        "case_identifier.",
        "case_task.",
        "case_review.",
        "identifier.",
    ),
    "deadline": ("deadline.",),
    "partner": ("partner_request.", "communication."),
    "custody": ("evidence_", "custody_"),
    "victim": ("victim.",),
    "note": ("case_note.",),
}
KIND_LABELS = {
    "referral": "Referral",
    "case": "Case",
    "deadline": "Deadline",
    "partner": "Partner",
    "custody": "Custody",
    "victim": "Victim",
    "note": "Note",
}

NOISE = frozenset(
    {
        "case.view",
        "case.search",
        "referral.view",
        "evidence_item.view",
        "custody_report.view",
        "identifier.deconflict",
    }
)


def kind_of(action: str) -> str:
    for kind, prefixes in KINDS.items():
        if action.startswith(prefixes):
            return kind
    return "case"


def viewer_zone(user) -> tzinfo:
    """The reader's zone: their own, else their unit's, else the installation's."""
    return user_zone(user)


def sees_event_ids(user) -> bool:
    return user.has_role(Role.SUPERVISOR, Role.AUDITOR)


@dataclass(frozen=True)
class Entry:
    """One row of the chronology, ready to show."""

    occurred_at: datetime  # in the reader's zone
    kind: str
    actor: str
    text: str
    url: str
    event_id: int | None  # only for supervisors and auditors

    @property
    def when_text(self) -> str:
        # Formatted here: the template's date filter would convert back to the server's zone.
        return self.occurred_at.strftime("%d %b %Y %H:%M %Z")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.title())


@dataclass
class ChronologyPage:
    entries: list[Entry]
    next_cursor: str | None


def chronology_case(*, user, number: str) -> Case:
    """The case whose chronology ``user`` may read, else NotFound (404).

    Everyone who can see the case may; so may an auditor, who reads the whole trail anyway (in
    words here, with values hidden). Opening it is recorded as a view of the case.
    """
    if user.is_authenticated and user.is_active and user.has_role(Role.AUDITOR):
        case = Case.objects.select_related("unit", "lead").filter(number=number).first()
        if case is None:
            raise NotFound(f"No case {number} that you can see.")
    else:
        case = case_get_for(user=user, number=number)
    audit_record(
        actor=user,
        action="case.view",
        target=case,
        case_id=case.pk,
        details={"tab": "chronology"},
    )
    return case


def case_event_scope(case: Case) -> Q:
    """The ledger's events of ``case``: its own, and those of the referrals it came from."""
    referral_ids = [str(pk) for pk in case.referrals.values_list("pk", flat=True)]
    scope = Q(case_id=case.pk)
    if referral_ids:
        scope |= Q(object_type="referrals.referral", object_id__in=referral_ids)
    return scope


def chronology_rule() -> dict:
    """Which of a case's events the chronology tells, as data a verifier can apply."""
    return {"sources": [EventSource.SERVICE.value], "excluded_actions": sorted(NOISE)}


def chronology_events(*, case: Case, kind: str = "", cursor: str = "") -> QuerySet[AuditEvent]:
    """The case's service events, newest first, without noise; keyset-paged on
    (occurred_at, id), the order of the ledger's ``(case_id, occurred_at)`` index.

    Events about the referrals the case came from are included even when written before the
    case existed (intake, triage), so the chronology starts where the work started.
    """
    if kind and kind not in KINDS:
        raise DomainError(f"Choose one of: {', '.join(KINDS)}.", field="kind")
    events = AuditEvent.objects.filter(case_event_scope(case), source=EventSource.SERVICE).exclude(
        action__in=NOISE
    )
    if kind:
        matches = Q()
        for prefix in KINDS[kind]:
            matches |= Q(action__startswith=prefix)
        events = events.filter(matches)
    if cursor:
        moment, pk = decode_cursor(cursor)
        events = events.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, pk__lt=pk))
    return events.order_by("-occurred_at", "-id")


def chronology_page(
    *, user, case: Case, kind: str = "", cursor: str = "", size: int = PAGE_SIZE
) -> ChronologyPage:
    rows = list(chronology_events(case=case, kind=kind, cursor=cursor)[: size + 1])
    following = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return ChronologyPage(
        entries=describe(user=user, case=case, events=rows[:size]), next_cursor=following
    )


# --- Saying it in words ----------------------------------------------------------------------


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
    case_url = _url("cases:detail", number)
    if action.startswith("victim."):
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
    if action.startswith("deadline."):
        kind = (row or {}).get("kind") or _change(event, "kind") or ""
        label = _display(apps.get_model("deadlines.Deadline"), "kind", kind) if kind else "a"
        what = f"the {label} deadline" if kind else "a deadline"
        url = _url("deadlines:detail", row["reference"]) if row else ""
        verb = action.split(".", 1)[1]
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
    if action.startswith("partner_request."):
        url = _url("partners:request", event.object_id) if event.object_id else ""
        request = _request_words(row, event)
        agency = _agency(row, event)
        if action == "partner_request.create":
            return f"recorded {request} to {agency}", url
        status = _change(event, "status")
        verb = _REQUEST_STATUS_VERBS.get(status, "updated")
        return f"{verb} {request} to {agency}", url
    if action == "communication.create":
        url = _url("partners:communication", event.object_id) if event.object_id else ""
        return f"logged a communication with {_agency(row, event)}", url
    if action.startswith(("evidence_item.", "evidence_hash.", "custody_")):
        exhibit = (
            (row or {}).get("exhibit_number")
            or (row or {}).get("item__exhibit_number")
            or event.details.get("exhibit", "")
        )
        public_id = (row or {}).get("public_id") or (row or {}).get("item__public_id")
        url = _url("custody:item", public_id) if public_id else _url("custody:case-items", number)
        if action == "evidence_item.create":
            return f"recorded exhibit {exhibit}", url
        if action == "custody_event.create":
            kind = (row or {}).get("kind") or event.details.get("kind", "")
            label = _display(apps.get_model("custody.CustodyEvent"), "kind", kind).lower()
            return f"recorded custody of exhibit {exhibit}: {label}", url
        if action == "custody_event.acknowledge":
            return f"acknowledged the hand-over of exhibit {exhibit}", url
        if action == "custody_signoff.request":
            return f"asked for a second signature on exhibit {exhibit}", url
        if action == "custody_signoff.countersign":
            return f"countersigned on exhibit {exhibit}", url
        if action == "custody_signoff.refuse":
            return f"refused to countersign on exhibit {exhibit}", url
        if action == "evidence_hash.create":
            return f"recorded a hash value of exhibit {exhibit}", url
    if action.startswith(("referral.", "referral_identifier.")):
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


def chronology_export_rows(*, user, case: Case, kind: str = "") -> Iterable[Entry]:
    """Every row (up to EXPORT_LIMIT), in pages, so a long case streams in bounded memory."""
    cursor = ""
    emitted = 0
    while emitted < EXPORT_LIMIT:
        page = chronology_page(user=user, case=case, kind=kind, cursor=cursor, size=500)
        yield from page.entries
        emitted += len(page.entries)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


# --- Export ----------------------------------------------------------------------------------

EXPORT_HEADER = ["when", "kind", "who", "what", "link", "audit_event_id"]


def chronology_export(*, user, case: Case, kind: str, fmt: str) -> list[Entry]:
    """Every row for an export, and the export itself written to the ledger (an export of a
    case's history is a disclosure, so it is on the record like any other)."""
    chronology_events(case=case, kind=kind)  # refuses an unknown kind before anything is written
    entries = list(chronology_export_rows(user=user, case=case, kind=kind))
    audit_record(
        actor=user,
        action="case.chronology_export",
        target=case,
        case_id=case.pk,
        details={"format": fmt, "kind": kind, "rows": len(entries)},
    )
    return entries


def export_row(entry: Entry) -> list:
    return [
        entry.occurred_at.isoformat(),
        entry.kind,
        entry.actor,
        entry.text,
        entry.url,
        "" if entry.event_id is None else entry.event_id,
    ]


_FOLD = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})


def _t(value) -> str:
    # fpdf2's built-in fonts are Latin-1 (see casework/custody/pdf.py, which cases may not import).
    text = "" if value is None else str(value)
    return text.translate(_FOLD).encode("latin-1", "replace").decode("latin-1")


def render_pdf(*, case: Case, entries: list[Entry], generated_by: str, title_shown: bool) -> bytes:
    """A plain A4 table, drawn with fpdf2 as the custody report is (Latin-1 folding there)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(_t(f"Chronology of {case.number}"))
    pdf.set_creator("Casework")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    heading = f"Chronology of {case.number}" + (f" - {case.title}" if title_shown else "")
    pdf.multi_cell(0, 8, _t(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    zone = entries[0].occurred_at.tzname() if entries else ""
    pdf.multi_cell(
        0,
        5,
        _t(
            f"{len(entries)} actions, newest first; times {zone}. Exported by {generated_by}. "
            "From the audit ledger."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    with pdf.table(col_widths=(32, 18, 40, 160, 20), text_align="LEFT") as table:
        table.row([_t(c) for c in ("When", "Kind", "Who", "What", "Event")])
        for entry in entries:
            table.row(
                [
                    _t(entry.occurred_at.strftime("%Y-%m-%d %H:%M")),
                    _t(entry.kind_label),
                    _t(entry.actor),
                    _t(entry.text),
                    _t("" if entry.event_id is None else entry.event_id),
                ]
            )
    return bytes(pdf.output())
