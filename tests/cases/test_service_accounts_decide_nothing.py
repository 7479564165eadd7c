"""A service account with a supervisor's role reads and records as a supervisor, but the
decisions that need a person — approving a closure, waiving a clock, merging, transferring,
asking for or countersigning a release or disposal — are refused to it (issue 25, item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.accounts import service_accounts as sa
from casework.cases import services as cases
from casework.core.errors import DomainError
from casework.deadlines.models import Deadline
from tests.deadlines.factories import make_deadline

pytestmark = pytest.mark.django_db


@pytest.fixture
def robot_supervisor(administrator, north):
    account, secret = sa.service_account_create(
        name="unit-script", role="supervisor", unit=north, actor=administrator
    )
    return account.user, secret


@pytest.fixture
def court(investigator, north_case):
    return make_deadline(
        actor=investigator, case=north_case, due_at=datetime.now(UTC) + timedelta(days=5)
    )


def test_it_cannot_waive_a_clock_through_the_api_and_the_clock_stays_open(
    client, robot_supervisor, court
):
    _user, secret = robot_supervisor
    response = client.post(
        f"/api/v1/deadlines/{court.reference}/waive/",
        {"reason": "Synthetic reason"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 403
    assert "A service account cannot waive a deadline" in response.json()["detail"]
    assert Deadline.objects.get(pk=court.pk).state == "open"


def test_it_cannot_approve_a_closure_though_a_person_with_its_role_can(
    robot_supervisor, supervisor, investigator, north_case
):
    robot, _secret = robot_supervisor
    cases.case_close_request(
        actor=investigator, case=north_case, reason="Synthetic", outcome="other"
    )
    with pytest.raises(DomainError) as refused:
        cases.case_close_approve(actor=robot, case=north_case)
    assert refused.value.status == 403
    north_case.refresh_from_db()
    assert north_case.status != "closed"
    cases.case_close_approve(actor=supervisor, case=north_case)
    north_case.refresh_from_db()
    assert north_case.status == "closed"


def test_it_cannot_merge_or_transfer_cases(robot_supervisor, north_case, investigator, south):
    robot, _secret = robot_supervisor
    other = cases.case_open(
        actor=investigator, unit=north_case.unit, title="Synthetic duplicate", lead=investigator
    )
    with pytest.raises(DomainError, match="cannot merge cases"):
        cases.case_merge(actor=robot, duplicate=other, original=north_case, reason="Synthetic")
    with pytest.raises(DomainError, match="cannot transfer a case"):
        cases.case_transfer_propose(actor=robot, case=north_case, to_unit=south, reason="x")
