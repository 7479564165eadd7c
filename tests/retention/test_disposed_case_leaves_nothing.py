"""A disposed case: no personal value of it remains readable in its tables or in a pg_dump,
the unit's oversight figures are unchanged, the ledger verifies and its events' inclusion
proofs still verify.

Committed data (``transaction=True``): ``pg_dump`` reads the database from another connection.
Outside the ledger every personal value is gone (blanked, deleted, or encrypted under the
destroyed key). The ledger can never be changed, so it holds only what docs/privacy.md lists
as encrypted (``ENCRYPTED``): there change capture copied ciphertext, now unreadable. The
operational free text (titles, summaries, reasons) is blanked in the tables but stays in the
ledger; docs/privacy.md says why.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.audit.proofs import inclusion_proof_export
from casework.audit.sealing import seal_all
from casework.audit.verification import verify_ledger
from casework.audit.verify import check
from casework.cases import services as cases
from casework.cases.models import Case
from casework.deadlines import services as deadlines
from casework.oversight.selectors import dashboard
from casework.oversight.services import case_review_record
from casework.referrals import services as referrals
from casework.retention import services
from casework.retention.models import RetentionReview
from tests.partners.factories import make_agency, make_communication
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db(transaction=True)

# Every personal value the case was given, each unique to this test.
SECRETS = {
    "title": "Synthetic title zq_title_5501",
    "summary": "Synthetic summary zq_summary_5501",
    "identifier": "zq_ident_5501@example.invalid",
    "referral_identifier": "zq_refident_5501@example.invalid",
    "referral_summary": "Synthetic referral zq_refsum_5501",
    "note": "Synthetic note naming zq_note_5501",
    "subject": "Holder of zq_subject_5501",
    "icse": "ICSE-ZQ-5501",
    "national": "NAT-ZQ-5501",
    "safeguarding": "Visited zq_safe_5501",
    "task": "Call zq_task_5501",
    "communication": "Spoke about zq_comm_5501",
    "deadline_note": "Hearing for zq_deadline_5501",
    "review_notes": "Reviewed zq_review_5501",
    "closure_reason": "Closed for zq_closure_5501",
}
# The values docs/privacy.md says are encrypted under the case's (or referral's) data key.
ENCRYPTED = (
    "identifier",
    "referral_identifier",
    "note",
    "subject",
    "icse",
    "national",
    "safeguarding",
)
LEDGER_PREFIX = "audit_"


@dataclass
class Disposed:
    case: Case
    before: dict
    after: dict
    events: list[int]


def _figures(user) -> dict:
    today = timezone.localdate()
    board = dashboard(
        user=user,
        unit=None,
        period_start=today - timedelta(days=30),
        period_end=today,
        now=timezone.now(),
    )
    return {
        result.key: [dict(row) for row in result.table.rows] if result.table else result.missing
        for result in board.figures
    }


def _build_case(investigator, supervisor, administrator):
    referral = make_referral(
        actor=investigator,
        summary=SECRETS["referral_summary"],
        identifiers=[{"kind": "email", "value": SECRETS["referral_identifier"]}],
    )
    referrals.referral_accept(actor=investigator, referral=referral, lead=investigator)
    case = Case.objects.get(referrals=referral)
    cases.case_update(
        actor=investigator, case=case, title=SECRETS["title"], summary=SECRETS["summary"]
    )
    cases.case_identifier_add(
        actor=investigator, case=case, kind="email", raw=SECRETS["identifier"]
    )
    cases.case_note_add(actor=investigator, case=case, body=SECRETS["note"])
    victim = cases.case_subject_add(
        actor=investigator, case=case, role="victim", description=SECRETS["subject"]
    ).victim_record
    cases.victim_record_update(
        actor=investigator,
        victim=victim,
        identification="identified",
        icse_reference=SECRETS["icse"],
        national_reference=SECRETS["national"],
    )
    cases.victim_safeguarding_add(actor=investigator, victim=victim, action=SECRETS["safeguarding"])
    task = cases.case_task_add(actor=investigator, case=case, title=SECRETS["task"])
    cases.case_task_complete(actor=investigator, task=task)
    make_communication(
        actor=investigator,
        agency=make_agency(actor=administrator),
        case=case,
        summary=SECRETS["communication"],
    )
    court = deadlines.deadline_start(
        actor=investigator,
        kind="court_date",
        case=case,
        due_at=timezone.now() + timedelta(days=3),
        note=SECRETS["deadline_note"],
    )
    deadlines.deadline_meet_by_hand(actor=investigator, deadline=court)
    case_review_record(
        actor=supervisor,
        case=case,
        notes=SECRETS["review_notes"],
        next_review_at=timezone.now() + timedelta(days=20),
    )
    cases.case_close_request(
        actor=investigator, case=case, reason=SECRETS["closure_reason"], outcome="other"
    )
    cases.case_close_approve(actor=supervisor, case=case)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def disposed(investigator, supervisor, second_supervisor, administrator) -> Disposed:
    case = _build_case(investigator, supervisor, administrator)
    seal_all(sign=True)
    events = list(AuditEvent.objects.filter(case_id=case.pk).values_list("pk", flat=True))
    before = {"unit": _figures(supervisor), "all": _figures(administrator)}
    review = RetentionReview.objects.get(case=case, status="pending")
    request = services.retention_review_dispose(actor=supervisor, review=review, reason="Due")
    services.disposal_approve(actor=second_supervisor, request=request)
    seal_all(sign=True)
    after = {"unit": _figures(supervisor), "all": _figures(administrator)}
    return Disposed(case=Case.objects.get(pk=case.pk), before=before, after=after, events=events)


def _text_columns(*, ledger: bool) -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns AS c
            JOIN information_schema.tables AS t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
              AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea',
                                  'ARRAY', 'tsvector')
            ORDER BY 1, 2
            """
        )
        rows = cursor.fetchall()
    return [row for row in rows if row[0].startswith(LEDGER_PREFIX) == ledger]


def _found_in_tables(*, ledger: bool, names=tuple(SECRETS)) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table, column, data_type in _text_columns(ledger=ledger):
            # Bytes are searched as bytes (a hash is no text); the rest as its text form.
            match = (
                f"position(convert_to(%s, 'UTF8') in \"{column}\") > 0"
                if data_type == "bytea"
                else f'strpos("{column}"::text, %s) > 0'
            )
            for name in names:
                secret = SECRETS[name]
                cursor.execute(f'SELECT 1 FROM "{table}" WHERE {match} LIMIT 1', [secret])
                if cursor.fetchone():
                    found.append(f"{table}.{column}: {name}")
    return found


def _pg_dump(*, ledger: bool) -> str:
    import pgserver

    binary = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
    binary = str(binary) if binary.exists() else shutil.which("pg_dump")
    connection.ensure_connection()
    info = connection.connection.info  # where the test database really is (socket or host)
    command = [binary, "--data-only", "--no-owner", "-d", info.dbname, "-h", info.host]
    command += ["-p", str(info.port), "-U", info.user]
    if not ledger:
        command += ["--exclude-table-data", f"{LEDGER_PREFIX}*"]
    done = subprocess.run(command, capture_output=True, check=True, timeout=300)
    return done.stdout.decode("utf-8", errors="replace")


def test_no_personal_value_of_a_disposed_case_remains_outside_the_ledger(disposed):
    assert _found_in_tables(ledger=False) == []
    dump = _pg_dump(ledger=False)
    assert disposed.case.number in dump  # the dump did read the case's tables
    assert [name for name, secret in SECRETS.items() if secret in dump] == []


def test_no_personal_value_of_a_disposed_case_remains_in_the_ledger(disposed):
    assert _found_in_tables(ledger=True, names=ENCRYPTED) == []
    dump = _pg_dump(ledger=True)
    assert [name for name in ENCRYPTED if SECRETS[name] in dump] == []


def test_the_disposed_cases_encrypted_texts_read_disposed(disposed):
    from casework.cases.models import CaseSubject, VictimRecord

    victim = VictimRecord.objects.get(case=disposed.case)
    assert (victim.icse_reference, victim.national_reference) == ("[disposed]", "[disposed]")
    assert [s.description for s in CaseSubject.objects.filter(case=disposed.case)] == [""]


def test_oversight_figures_are_unchanged_by_the_disposal(disposed):
    for scope in ("unit", "all"):
        for key, rows in disposed.before[scope].items():
            assert disposed.after[scope][key] == rows, f"{scope}: {key}"
    # and they did count the case: closed, with its outcome and its victim identified
    outcomes = {row["outcome"]: row["closed"] for row in disposed.after["unit"]["case_outcomes"]}
    assert outcomes["Other (see reason)"] == 1
    assert sum(row["with_icse"] for row in disposed.after["unit"]["victims"]) == 1


def test_the_ledger_verifies_and_the_disposed_cases_events_still_prove(disposed, capsys):
    assert verify_ledger().ok
    call_command("verify_audit")
    assert "OK" in capsys.readouterr().out
    from casework.audit import keys

    assert disposed.events
    for event_id in disposed.events[:5] + disposed.events[-2:]:
        proof = inclusion_proof_export(event_id=event_id)
        document = check(proof, keys.verifier_key())
        assert document["id"] == event_id


def test_the_disposed_case_is_found_by_deconfliction_no_more(disposed, investigator):
    from casework.cases.models import CaseIdentifier
    from casework.referrals.models import ReferralIdentifier

    assert not CaseIdentifier.objects.filter(case=disposed.case).exists()
    assert not ReferralIdentifier.objects.filter(referral__case=disposed.case).exists()
    other = Case.objects.exclude(pk=disposed.case.pk).first()
    assert (
        other is None
        or not CaseIdentifier.objects.filter(normal_value=SECRETS["identifier"]).exists()
    )
