from __future__ import annotations

import pytest

from tests.cases.factories import make_case


@pytest.fixture
def north_case(investigator, teammate):
    return make_case(lead=investigator, assignees=[teammate], title="Synthetic case north")


@pytest.fixture
def south_case(outsider):
    return make_case(lead=outsider, title="Synthetic case south")
