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


@pytest.fixture
def signed_audit_files(settings, tmp_path):
    """A signing key and checkpoint folder of the test's own, a checkpoint at every sealing:
    for tests that hand out proofs (custody report, court bundle)."""
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "keys" / "audit-signing-key.pem")
    settings.AUDIT_SIGN_SECONDS = 0
    settings.AUDIT_LOG_ORIGIN = "casework.invalid/audit-test"
