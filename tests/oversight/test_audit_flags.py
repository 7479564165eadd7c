"""The "views outside assignment" flag names only people outside the case team.

The lead, an assignee and a supervisor of the case's unit are where the case lives: their views
(even the victim records, which always ask for a reason) are ordinary work, and flagging them
hid the views that deserve a look — someone granted access who is not on the case.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.custody import selectors as custody_selectors
from casework.oversight.audit_flags import flags_for
from tests.cases.factories import make_case
from tests.custody.factories import make_item, make_store
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(investigator, teammate):
    case = make_case(lead=investigator, assignees=[teammate], title="Synthetic case 0417")
    case_services.case_subject_add(actor=investigator, case=case, role="victim")
    return case


def _flagged(auditor) -> set[str]:
    now = timezone.now()
    found = flags_for(user=auditor, since=now - timedelta(hours=1), until=now + timedelta(hours=1))
    return {flag.person for flag in found if flag.kind == "outside_assignment"}


def test_the_case_team_and_the_unit_supervisor_are_not_flagged(
    case, investigator, teammate, supervisor, auditor
):
    for person in (investigator, teammate, supervisor):
        case_selectors.case_view(user=person, number=case.number)
        victims = case_selectors.victim_records_view(
            user=person, case=case, reason="Synthetic safeguarding review"
        )
        assert len(victims) == 1
    assert _flagged(auditor) == set()


def test_someone_granted_access_outside_the_team_is_flagged(
    case, north, administrator, auditor, investigator
):
    colleague = UserFactory(username="inv5.north", unit=north, roles=["investigator"])
    for person in (colleague, administrator):
        assign_perm("cases.view_case_content", person, case)
        case_selectors.case_view(user=person, number=case.number)
    item = make_item(case=case, store=make_store(admin=administrator), actor=investigator)
    custody_selectors.item_get_for(user=colleague, public_id=item.public_id)
    assert _flagged(auditor) == {"inv5.north", "admin"}
    counts = {
        flag.person: flag.count
        for flag in flags_for(
            user=auditor,
            since=timezone.now() - timedelta(hours=1),
            until=timezone.now() + timedelta(hours=1),
        )
        if flag.kind == "outside_assignment"
    }
    assert counts == {"inv5.north": 2, "admin": 1}
