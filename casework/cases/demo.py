"""Demo cases: synthetic, neutral cases in both units with assignments, subjects, notes, tasks,
a pending and an approved closure, and ONE identifier held by a north case and a south case so
that deconfliction shows a hit. Idempotent: a case is recognised by its title."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from casework.accounts.models import User
from casework.privacy.crypto import fingerprint

from . import services
from .closure import case_open_items
from .models import Case

SHARED_IDENTIFIER = ("email", "user_8812@example.org")

# title, unit lead, assignees, priority, status
CASES = (
    ("Synthetic case N-01", "inv.north", ["inv2.north"], "P1", "active"),
    ("Synthetic case N-02", "inv.north", [], "P2", "open"),
    ("Synthetic case N-03", "inv2.north", ["inv.north"], "P3", "suspended"),
    ("Synthetic case N-04", "inv2.north", [], "P4", "open"),
    ("Synthetic case S-01", "inv.south", [], "P1", "active"),
    ("Synthetic case S-02", "inv.south", [], "P3", "open"),
)


def _users() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__contains=".")}


def seed(*, stdout) -> None:
    users = _users()
    if "inv.north" not in users or "inv.south" not in users:
        stdout.write("cases: demo users missing, skipped")
        return
    made = 0
    cases: dict[str, Case] = {}
    for title, lead_name, assignees, priority, status in CASES:
        existing = Case.objects.filter(title=title).first()
        if existing is not None:
            cases[title] = existing
            continue
        lead = users[lead_name]
        case = services.case_open(
            actor=lead,
            unit=lead.unit,
            title=title,
            lead=lead,
            priority=priority,
            opened_at=timezone.now() - timedelta(days=3 * (len(cases) + 1)),
        )
        for name in assignees:
            services.case_assign(actor=lead, case=case, user=users[name])
        if status != "open":
            services.case_change_status(actor=lead, case=case, status=status)
        _fill(case, lead, users)
        cases[title] = case
        made += 1
    _shared_identifier(cases["Synthetic case N-01"], cases["Synthetic case S-01"], users)
    _closures(cases, users)
    stdout.write(f"cases: {made} new synthetic cases")


def _fill(case: Case, lead: User, users: dict[str, User]) -> None:
    code = case.number.rsplit("-", 1)[-1]
    suspect = services.case_subject_add(
        actor=lead, case=case, role="suspect", description=f"Holder of account user_{code}"
    )
    victim = services.case_subject_add(actor=lead, case=case, role="victim")
    services.case_subject_add(actor=lead, case=case, role="witness", description="Synthetic")
    services.case_identifier_add(
        actor=lead,
        case=case,
        kind="screen_name",
        raw=f"@user_{code}",
        service="example-service",
        subject=suspect,
    )
    services.case_identifier_add(
        actor=lead,
        case=case,
        kind="ip_address",
        raw=f"198.51.100.{int(code) % 250 + 1}",
        ip_event="login",
        observed_at=timezone.now() - timedelta(days=10),
        port=443,
        subject=suspect,
    )
    services.victim_record_update(
        actor=lead, victim=victim.victim_record, icse_reference=f"ICSE-SYN-{code}"
    )
    services.victim_safeguarding_add(
        actor=lead, victim=victim.victim_record, action="Synthetic safeguarding step recorded"
    )
    first = services.case_note_add(actor=lead, case=case, body=f"Synthetic note 1 on {case}.")
    services.case_note_add(
        actor=lead, case=case, body="Synthetic correction of note 1.", corrects=first
    )
    services.case_task_add(
        actor=lead,
        case=case,
        title="Send synthetic preservation request",
        assignee=lead,
        due_at=timezone.now() + timedelta(days=2),
    )
    done = services.case_task_add(actor=lead, case=case, title="Synthetic task already done")
    services.case_task_complete(actor=lead, task=done)


def _shared_identifier(north: Case, south: Case, users: dict[str, User]) -> None:
    kind, value = SHARED_IDENTIFIER
    for case, lead in ((south, users["inv.south"]), (north, users["inv.north"])):
        if not case.identifiers.filter(kind=kind, fingerprint=fingerprint(kind, value)).exists():
            services.case_identifier_add(actor=lead, case=case, kind=kind, raw=value)


def _carry_everything(case: Case) -> dict[str, str]:
    # The demo's closures carry what is still open, as an investigator must say so explicitly.
    return {
        item.key: "Synthetic: carried past closure for the demo"
        for item in case_open_items(case=case)
        if item.blocking
    }


def _closures(cases: dict[str, Case], users: dict[str, User]) -> None:
    pending = cases["Synthetic case N-02"]
    if not pending.is_closed and not pending.closure_requests.exists():
        services.case_close_request(
            actor=users["inv.north"],
            case=pending,
            reason="Synthetic: all lines of enquiry completed",
            outcome="no_further_action",
            carried=_carry_everything(pending),
        )
    closed = cases["Synthetic case S-02"]
    if not closed.is_closed and "sup.south" in users:
        if not closed.closure_requests.filter(status="pending").exists():
            services.case_close_request(
                actor=users["inv.south"],
                case=closed,
                reason="Synthetic: referred to a partner agency",
                outcome="referred",
                carried=_carry_everything(closed),
            )
        services.case_close_approve(actor=users["sup.south"], case=closed)
