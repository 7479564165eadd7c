from __future__ import annotations

import io

import pytest

from casework.hashsets.models import HashSet, HashSetSharing

pytestmark = pytest.mark.django_db


def test_the_demo_registers_shared_sets_once():
    from casework.accounts.demo import seed_accounts
    from casework.cases import demo as cases_demo
    from casework.custody import demo as custody_demo
    from casework.hashsets import demo
    from casework.partners import demo as partners_demo

    seed_accounts()
    cases_demo.seed(stdout=io.StringIO())
    partners_demo.seed(stdout=io.StringIO())
    custody_demo.seed(stdout=io.StringIO())
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "2 new synthetic hash sets" in out.getvalue()
    assert HashSetSharing.objects.filter(acknowledged_at__isnull=False).count() == 1
    assert HashSetSharing.objects.filter(destination="icse").count() == 1
    demo.seed(stdout=io.StringIO())
    assert HashSet.objects.count() == 2
