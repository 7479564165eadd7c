from __future__ import annotations

import pytest

from casework.privacy.keys import reset_caches


@pytest.fixture(autouse=True)
def _fresh_keys():
    """Tests that switch keys leave the process holding the installation's keys again."""
    reset_caches()
    yield
    reset_caches()
