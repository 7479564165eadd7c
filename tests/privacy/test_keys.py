"""Key custody: a wrong or missing key stops Casework at start-up in one sentence; rotation
re-wraps every data key and everything still decrypts; a ciphertext moved to another row does
not decrypt there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from casework.audit.models import AuditEvent
from casework.cases.models import CaseIdentifier
from casework.cases.services import case_identifier_add
from casework.core.errors import DomainError
from casework.privacy.crypto import UNREADABLE, fingerprint
from casework.privacy.keys import LocalKek, current_kek, decode_key, new_key_text, reset_caches
from casework.privacy.models import DataKey, KeyCheck
from casework.privacy.services import kek_rotate
from casework.privacy.startup import key_problem
from tests.cases.factories import make_case

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    url = f"postgresql://{db.get('USER') or ''}@/{db['NAME']}?host={host}"
    if db.get("PORT"):
        url += f"&port={db['PORT']}"
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CASEWORK_KEK", "CASEWORK_FINGERPRINT"))
    }
    environment.update({"DATABASE_URL": url, **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_a_wrong_kek_stops_casework_at_start_up_in_one_sentence(investigator):
    case_identifier_add(
        actor=investigator, case=make_case(lead=investigator), kind="email", raw="a@b.example"
    )
    assert KeyCheck.objects.exists()
    good = _manage("privacy_check_keys")
    assert good.returncode == 0, good.stderr
    assert "open this installation's data" in good.stdout

    wrong = _manage("privacy_check_keys", CASEWORK_KEK=new_key_text())
    assert wrong.returncode == 2, wrong.stderr
    assert "Traceback" not in wrong.stderr
    lines = [line for line in wrong.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, wrong.stderr
    assert "does not open this installation's data keys" in lines[0]

    wrong_fingerprints = _manage("privacy_check_keys", CASEWORK_FINGERPRINT_KEY=new_key_text())
    assert wrong_fingerprints.returncode == 2
    assert "fingerprint key is not the one" in wrong_fingerprints.stderr


def test_production_refuses_to_start_without_a_kek():
    result = _manage(
        "check",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="x" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789",
        DJANGO_ALLOWED_HOSTS="casework.example",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CASEWORK_BASE_URL="https://casework.example",
        CASEWORK_EMAIL_BACKEND="smtp",
    )
    assert result.returncode == 2, result.stderr
    assert "CASEWORK_KEK or CASEWORK_KEK_FILE must hold the key-encryption key" in result.stderr


def test_a_malformed_key_is_named():
    with pytest.raises(Exception, match="CASEWORK_KEK must be 32 random bytes"):
        decode_key("not base64!", name="CASEWORK_KEK")


@pytest.mark.django_db
def test_rotation_rewraps_every_data_key_and_everything_still_decrypts(investigator, tmp_path):
    cases = [make_case(lead=investigator, title=f"Synthetic case {n}") for n in range(3)]
    for n, case in enumerate(cases):
        case_identifier_add(actor=investigator, case=case, kind="email", raw=f"r{n}@x.example")
    old = current_kek()
    new_text = new_key_text()
    new = LocalKek(decode_key(new_text, name="new"))
    assert kek_rotate(actor=None, old=old, new=new, batch_size=2) == 3
    assert set(DataKey.objects.values_list("kek_id", flat=True)) == {new.key_id}
    assert AuditEvent.objects.filter(action="kek.rotate").count() == 1
    # Resumable: running it again finds nothing left to do.
    assert kek_rotate(actor=None, old=old, new=new) == 0

    with override_settings(CASEWORK_KEK=new_text):
        reset_caches()
        assert key_problem() == ""
        values = sorted(i.raw_value for i in CaseIdentifier.objects.all())
        assert values == ["r0@x.example", "r1@x.example", "r2@x.example"]
    reset_caches()
    assert "does not open" in key_problem()  # the old key no longer opens the installation
    stranger = LocalKek(decode_key(new_key_text(), name="stranger"))
    with pytest.raises(DomainError, match="old key does not open"):
        kek_rotate(actor=None, old=stranger, new=old)


@pytest.mark.django_db
def test_a_ciphertext_moved_to_another_row_does_not_decrypt(investigator):
    case = make_case(lead=investigator)
    first = case_identifier_add(actor=investigator, case=case, kind="email", raw="one@x.example")
    second = case_identifier_add(actor=investigator, case=case, kind="email", raw="two@x.example")
    CaseIdentifier.objects.filter(pk=second.pk).update(raw_value_ct=first.raw_value_ct)
    moved = CaseIdentifier.objects.get(pk=second.pk)
    assert moved.raw_value == UNREADABLE
    assert moved.normal_value == "two@x.example"


@pytest.mark.django_db
def test_equal_values_have_equal_fingerprints_and_the_key_matters(settings):
    assert fingerprint("email", "a@b.example") == fingerprint("email", "a@b.example")
    assert fingerprint("email", "a@b.example") != fingerprint("screen_name", "a@b.example")
    before = fingerprint("email", "a@b.example")
    settings.CASEWORK_FINGERPRINT_KEY = new_key_text()
    reset_caches()
    assert fingerprint("email", "a@b.example") != before


@pytest.mark.django_db
def test_keys_made_ahead_for_new_owners_are_stored_wrapped_and_never_twice():
    """A bulk import's data keys, made in its builder thread and copied in by its writer."""
    from django.db import IntegrityError, transaction

    from casework.privacy.models import KeyScope
    from casework.privacy.selectors import ciphers_for
    from casework.privacy.services import data_keys_ensure, data_keys_make, data_keys_write

    made = data_keys_make(KeyScope.REFERRAL, [910_001, 910_002])
    data_keys_write(made)

    stored = DataKey.objects.filter(scope=KeyScope.REFERRAL, owner_id__in=[910_001, 910_002])
    assert stored.count() == 2
    assert all(key.kek_id == current_kek().key_id for key in stored)
    assert all(key.wrapped_key is not None and len(key.wrapped_key) > 32 for key in stored)
    read = ciphers_for(KeyScope.REFERRAL, [910_001, 910_002])
    for owner_id in (910_001, 910_002):
        sealed = made.ciphers[owner_id].encrypt(b"\0" * 12, b"value", None)
        assert read[owner_id].decrypt(b"\0" * 12, sealed, None) == b"value"
    # An owner that has a key already is refused, not given a second one.
    with pytest.raises(IntegrityError), transaction.atomic():
        data_keys_write(data_keys_make(KeyScope.REFERRAL, [910_003, 910_002]))
    assert not DataKey.objects.filter(owner_id=910_003).exists()
    assert data_keys_ensure(KeyScope.REFERRAL, [910_002])[910_002] is not None
