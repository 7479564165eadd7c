"""Need-to-know for referrals, persona by persona."""

from __future__ import annotations

import pytest

from casework.referrals import services
from casework.referrals.selectors import QueueFilters, referral_queue, referrals_visible_to
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def _sees(user, referral) -> bool:
    return referrals_visible_to(user).filter(pk=referral.pk).exists()


def test_a_referral_not_in_a_case_is_seen_by_its_unit_only(
    investigator, teammate, supervisor, outsider, outside_supervisor, auditor, administrator
):
    referral = make_referral(actor=investigator)
    assert _sees(investigator, referral) and _sees(teammate, referral)
    assert _sees(supervisor, referral)
    for user in (outsider, outside_supervisor, auditor, administrator):
        assert not _sees(user, referral), user.username


def test_inv_north_can_neither_see_find_nor_count_south_referrals(investigator, outsider):
    south = make_referral(actor=outsider, source_reference="SOUTH-ONLY")
    assert not _sees(investigator, south)
    everything = referral_queue(user=investigator, filters=QueueFilters(status="all"))
    assert everything.count() == 0
    assert not everything.filter(source_reference="SOUTH-ONLY").exists()


def test_an_accepted_referral_follows_its_case(investigator, teammate, supervisor, outsider):
    referral = make_referral(actor=investigator)
    services.referral_accept(actor=investigator, referral=referral)
    assert _sees(investigator, referral) and _sees(supervisor, referral)
    assert not _sees(teammate, referral) and not _sees(outsider, referral)
