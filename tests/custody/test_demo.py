from __future__ import annotations

import io

import pytest

from casework.custody.models import CustodyEvent, EvidenceItem

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_full_chains_once():
    from casework.accounts.demo import seed_accounts
    from casework.cases import demo as cases_demo
    from casework.custody import demo

    seed_accounts()
    cases_demo.seed(stdout=io.StringIO())
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "5 new synthetic evidence items" in out.getvalue()
    items, events = EvidenceItem.objects.count(), CustodyEvent.objects.count()
    assert EvidenceItem.objects.filter(hash_mismatch=True).count() == 1
    assert EvidenceItem.objects.filter(state="disposed").count() == 1
    assert EvidenceItem.objects.filter(root_item__isnull=False).count() == 1
    assert CustodyEvent.objects.filter(kind="submitted").count() == 1
    demo.seed(stdout=io.StringIO())
    assert (EvidenceItem.objects.count(), CustodyEvent.objects.count()) == (items, events)
