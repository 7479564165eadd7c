from __future__ import annotations

import pytest

from tests.cases.factories import make_case
from tests.custody.factories import make_item, make_store


@pytest.fixture
def store(administrator):
    return make_store(admin=administrator)


@pytest.fixture
def case(investigator, teammate):
    return make_case(lead=investigator, assignees=[teammate], title="Synthetic case 0001")


@pytest.fixture
def item(case, store, investigator):
    return make_item(case=case, store=store, actor=investigator)
