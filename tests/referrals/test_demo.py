from __future__ import annotations

import io

import pytest

from casework.accounts.demo import seed_accounts
from casework.referrals import demo
from casework.referrals.choices import ReferralStatus
from casework.referrals.models import Referral
from casework.referrals.selectors import referrals_visible_to

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_every_state_in_both_units_once():
    seed_accounts()
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    referrals = Referral.objects.filter(source_reference__startswith="DEMO-")
    assert referrals.count() == len(demo.DEMO_REFERRALS)
    for unit in ("north", "south"):
        states = set(referrals.filter(unit__code=unit).values_list("status", flat=True))
        assert states == set(ReferralStatus.values)
    accepted = referrals.filter(status="accepted")
    assert all(r.case.unit_id == r.unit_id for r in accepted)
    assert all("Synthetic" in r.summary for r in referrals)


def test_inv_north_sees_no_south_demo_referral():
    seed_accounts()
    demo.seed(stdout=io.StringIO())
    from casework.accounts.models import User

    north = User.objects.get(username="inv.north")
    visible = referrals_visible_to(north)
    assert not visible.filter(unit__code="south").exists()
    assert visible.filter(unit__code="north").exists()
