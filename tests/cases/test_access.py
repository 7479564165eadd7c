from __future__ import annotations

import pytest

from casework.cases.selectors import case_get_for, cases_visible_to
from casework.core.errors import NotFound
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def north_case(investigator, teammate):
    return make_case(lead=investigator, assignees=[teammate])


def test_lead_assignee_and_unit_supervisor_see_the_case(
    north_case, investigator, teammate, supervisor
):
    for user in (investigator, teammate, supervisor):
        assert list(cases_visible_to(user)) == [north_case]


def test_others_do_not_see_it_and_get_404(
    north_case, outsider, outside_supervisor, auditor, administrator, north
):
    from tests.factories import UserFactory

    unassigned = UserFactory(unit=north, roles=["investigator"])
    for user in (outsider, outside_supervisor, auditor, administrator, unassigned):
        assert cases_visible_to(user).count() == 0
        with pytest.raises(NotFound):
            case_get_for(user=user, number=north_case.number)


def test_numbers_are_gap_free_per_unit_and_year(investigator, outsider):
    first = make_case(lead=investigator)
    second = make_case(lead=investigator)
    other_unit = make_case(lead=outsider)
    year = first.opened_at.year
    assert first.number == f"NORTH-{year}-000001"
    assert second.number == f"NORTH-{year}-000002"
    assert other_unit.number == f"SOUTH-{year}-000001"


def test_unassigning_removes_access(north_case, investigator, teammate):
    from casework.cases.services import case_unassign

    case_unassign(actor=investigator, case=north_case, user=teammate)
    assert cases_visible_to(teammate).count() == 0


def test_grants_live_in_the_direct_foreign_key_table(north_case, investigator, teammate):
    from guardian.models import UserObjectPermission

    from casework.cases.models import CaseUserObjectPermission

    granted = CaseUserObjectPermission.objects.filter(content_object=north_case)
    assert set(granted.values_list("user__username", flat=True)) == {"inv.north", "inv2.north"}
    assert UserObjectPermission.objects.count() == 0


def test_the_case_page_links_to_evidence_and_partner_work(client_for, north_case, investigator):
    page = client_for(investigator).get(f"/cases/{north_case.number}/").content.decode()
    assert f'href="/custody/cases/{north_case.number}/"' in page
    assert f'href="/partners/cases/{north_case.number}/"' in page
