from __future__ import annotations

import pytest

from casework.core.errors import DomainError
from casework.custody import services
from casework.custody.models import EvidenceStore

pytestmark = pytest.mark.django_db


def test_it_registers_a_store_with_an_anchored_pattern(administrator):
    store = services.store_create(
        actor=administrator,
        name="Synthetic DEMS",
        identifier_pattern=r"^DEMS-\d{4}-\d{6}$",
        metadata_api_url="https://dems.invalid/api/items/",
    )
    assert store.identifier_pattern == r"^DEMS-\d{4}-\d{6}$"
    assert store.metadata_api_url == "https://dems.invalid/api/items/"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"DEMS-\d+", "Anchor the pattern"),
        (r"^DEMS-\d+", "Anchor the pattern"),
        (r"^DEMS-(\d+$", "not a valid regular expression"),
        ("", "Give the pattern"),
    ],
)
def test_it_refuses_patterns_that_are_not_anchored_or_do_not_compile(
    administrator, pattern, message
):
    with pytest.raises(DomainError, match=message):
        services.store_create(actor=administrator, name="Store", identifier_pattern=pattern)
    assert not EvidenceStore.objects.exists()


def test_only_administrators_configure_stores(investigator, supervisor):
    for user in (investigator, supervisor):
        with pytest.raises(DomainError, match="Only administrators"):
            services.store_create(actor=user, name="Store", identifier_pattern=r"^X\d+$")
    assert not EvidenceStore.objects.exists()


def test_it_refuses_a_second_store_of_the_same_name(administrator, store):
    with pytest.raises(DomainError, match="exists already"):
        services.store_create(
            actor=administrator, name=store.name.upper(), identifier_pattern=r"^X$"
        )
