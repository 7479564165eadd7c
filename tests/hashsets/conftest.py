from __future__ import annotations

import pytest

# The custody tests' case (lead and teammate), store and seized item.
from tests.custody.conftest import case, item, store  # noqa: F401
from tests.deadlines.conftest import eager_celery  # noqa: F401
from tests.hashsets.factories import make_hash_set
from tests.partners.factories import make_agency


@pytest.fixture
def hash_set(item, investigator):  # noqa: F811
    return make_hash_set(item=item, actor=investigator, counts={"0": 10, "1": 3})


@pytest.fixture
def agency(administrator):
    return make_agency(actor=administrator, name="Synthetic partner agency")
