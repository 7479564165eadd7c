from __future__ import annotations

import pytest

from tests.cases.factories import make_case
from tests.custody.factories import make_item, make_store
from tests.hashsets.factories import make_hash_set
from tests.partners.factories import make_agency


@pytest.fixture
def store(administrator):
    return make_store(admin=administrator)


@pytest.fixture
def case(investigator, teammate):
    return make_case(lead=investigator, assignees=[teammate], title="Synthetic case 0001")


@pytest.fixture
def item(case, store, investigator):
    return make_item(case=case, store=store, actor=investigator)


@pytest.fixture
def hash_set(item, investigator):
    return make_hash_set(item=item, actor=investigator, counts={"0": 10, "1": 3})


@pytest.fixture
def agency(administrator):
    return make_agency(actor=administrator, name="Synthetic partner agency")
