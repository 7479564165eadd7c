from __future__ import annotations

import io

import pytest

from casework.cases.models import Case, CaseIdentifier
from casework.privacy.crypto import fingerprint

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_has_a_cross_unit_match():
    from casework.accounts.demo import seed_accounts
    from casework.cases import demo

    seed_accounts()
    demo.seed(stdout=io.StringIO())
    first = Case.objects.count()
    demo.seed(stdout=io.StringIO())
    assert Case.objects.count() == first == len(demo.CASES)
    kind, value = demo.SHARED_IDENTIFIER
    holders = CaseIdentifier.objects.filter(kind=kind, fingerprint=fingerprint(kind, value))
    assert set(holders.values_list("case__unit__code", flat=True)) == {"north", "south"}
    assert Case.objects.filter(status="closed").count() == 1
    assert Case.objects.filter(closure_requests__status="pending").count() == 1
