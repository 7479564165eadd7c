from __future__ import annotations

import pytest

from tests.cases.factories import make_case
from tests.partners.factories import make_agency, make_contact


@pytest.fixture
def agency(investigator):
    return make_agency(actor=investigator, name="Example Police Service", country="FR")


@pytest.fixture
def other_agency(investigator):
    return make_agency(actor=investigator, name="Example Provider", country="US", kind="provider")


@pytest.fixture
def contact(investigator, agency):
    return make_contact(actor=investigator, agency=agency, name="Camille Exemple")


@pytest.fixture
def case(investigator, teammate):
    return make_case(lead=investigator, assignees=[teammate], title="Synthetic case 0042")


@pytest.fixture
def clock_calls(monkeypatch):
    """Records what the partners app asks of the deadlines app (start / meet)."""
    from casework.deadlines import services as clocks

    calls: dict[str, list] = {"start": [], "meet": []}

    def start(**kwargs):
        calls["start"].append(kwargs)
        return object()

    def meet(**kwargs):
        calls["meet"].append(kwargs)
        return 1

    monkeypatch.setattr(clocks, "deadline_start_automatic", start)
    monkeypatch.setattr(clocks, "deadlines_meet", meet)
    return calls
