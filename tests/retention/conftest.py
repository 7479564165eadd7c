"""Closed cases and triaged referrals, made through the services, ready for retention."""

from __future__ import annotations

import pytest

from casework.cases import services as cases
from tests.cases.factories import make_case
from tests.factories import UserFactory

UNIQUE_EMAIL = "retention_unique_7731@example.invalid"
UNIQUE_NOTE = "Synthetic note mentioning account zq_retention_7731"
UNIQUE_TITLE = "Synthetic case title zq_title_7731"
UNIQUE_SUMMARY = "Synthetic summary zq_summary_7731"
UNIQUE_ICSE = "ICSE-ZQ-7731"


@pytest.fixture(autouse=True)
def _audit_files(settings, tmp_path):
    """A private signing key and checkpoint directory per test, as tests/audit has."""
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "keys" / "audit-signing-key.pem")
    settings.AUDIT_SIGN_SECONDS = 0
    settings.AUDIT_LOG_ORIGIN = "casework.invalid/audit-test"


@pytest.fixture
def second_supervisor(north):
    return UserFactory(username="sup2.north", unit=north, roles=["supervisor"])


def close_case(case, *, requester, approver, outcome="no_further_action"):
    cases.case_close_request(actor=requester, case=case, reason="Synthetic reason", outcome=outcome)
    return cases.case_close_approve(actor=approver, case=case)


@pytest.fixture
def closed_case(investigator, supervisor):
    """A North case with a unique value in every personal field, then closed."""
    case = make_case(lead=investigator, title=UNIQUE_TITLE)
    cases.case_update(actor=investigator, case=case, title=UNIQUE_TITLE, summary=UNIQUE_SUMMARY)
    cases.case_identifier_add(actor=investigator, case=case, kind="email", raw=UNIQUE_EMAIL)
    cases.case_note_add(actor=investigator, case=case, body=UNIQUE_NOTE)
    victim = cases.case_subject_add(
        actor=investigator, case=case, role="victim", description="Holder of zq_subject_7731"
    ).victim_record
    cases.victim_record_update(
        actor=investigator, victim=victim, identification="identified", icse_reference=UNIQUE_ICSE
    )
    return close_case(case, requester=investigator, approver=supervisor)
