from __future__ import annotations

import io

import pytest

from casework.accounts.demo import seed_accounts
from casework.deadlines import demo
from casework.deadlines.models import Deadline

pytestmark = pytest.mark.django_db


def test_the_demo_has_deadlines_in_every_state_and_runs_twice():
    seed_accounts()
    demo.seed(stdout=io.StringIO())
    states = set(Deadline.objects.values_list("state", flat=True))
    assert states == {"open", "met", "missed", "waived", "extended"}
    count = Deadline.objects.count()
    out = io.StringIO()
    demo.seed(stdout=out)
    assert Deadline.objects.count() == count
    assert "already" in out.getvalue()
