from __future__ import annotations

import pytest

from casework.cases import services as case_services
from tests.cases.factories import make_case


@pytest.fixture
def north_case(investigator, teammate):
    return make_case(lead=investigator, assignees=[teammate], title="Synthetic north title 0042")


@pytest.fixture
def south_case(outsider):
    return make_case(lead=outsider, title="Synthetic south title 0099")


@pytest.fixture
def shared(north_case, south_case, investigator, outsider):
    """Both cases hold the same e-mail address: a deconfliction match across units."""
    case_services.case_identifier_add(
        actor=outsider, case=south_case, kind="email", raw="user_8812@example.invalid"
    )
    case_services.case_identifier_add(
        actor=investigator, case=north_case, kind="email", raw="User_8812@Example.invalid"
    )
    return north_case, south_case
