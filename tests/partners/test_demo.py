from __future__ import annotations

import io

import pytest

from casework.accounts.demo import seed_accounts
from casework.partners import demo
from casework.partners.choices import RequestStatus
from casework.partners.models import Agency, Communication, Contact, PartnerRequest

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_request_state_and_runs_twice_without_duplicates():
    seed_accounts()
    demo.seed(stdout=io.StringIO())
    counts = (
        Agency.objects.count(),
        Contact.objects.count(),
        Communication.objects.count(),
        PartnerRequest.objects.count(),
    )
    assert {r.status for r in PartnerRequest.objects.all()} == set(RequestStatus.values)
    assert len({a.country for a in Agency.objects.all()}) >= 5
    assert all("Example" in a.name for a in Agency.objects.all())
    demo.seed(stdout=io.StringIO())
    assert counts == (
        Agency.objects.count(),
        Contact.objects.count(),
        Communication.objects.count(),
        PartnerRequest.objects.count(),
    )
