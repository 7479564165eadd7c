"""The cipher and fingerprints under generated input: every value comes back as it went in,
and no stored bytes, however damaged, make a reader fail (a page shows "[unreadable]")."""

from __future__ import annotations

import hashlib
import hmac
import os
from unittest import mock

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.privacy.crypto import (
    UNREADABLE,
    IdentifierColumns,
    _hmac_pads,
    decrypt,
    fingerprint,
    protect_identifier,
    reveal_identifier,
)

COLUMNS = IdentifierColumns("cases_caseidentifier", "raw_value_ct", "normal_value_ct")
CIPHER = AESGCM(os.urandom(32))


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=500), normal=st.text(max_size=500), owner=st.integers(1, 2**62))
def test_every_value_comes_back_as_it_went_in(raw, normal, owner):
    protected = protect_identifier(
        columns=COLUMNS, owner=f"case:{owner}", aead=CIPHER, kind="email", raw=raw, normal=normal
    )
    if len(raw.encode()) >= 8:  # shorter runs of bytes turn up in random ciphertext by chance
        assert raw.encode() not in protected.raw_ct
    assert reveal_identifier(
        columns=COLUMNS,
        owner=f"case:{owner}",
        aead=CIPHER,
        row_fp=protected.fingerprint,
        raw_ct=protected.raw_ct,
        normal_ct=protected.normal_ct,
    ) == (raw, normal)
    # Read as another case's row, it does not open.
    assert reveal_identifier(
        columns=COLUMNS,
        owner=f"case:{owner + 1}",
        aead=CIPHER,
        row_fp=protected.fingerprint,
        raw_ct=protected.raw_ct,
        normal_ct=protected.normal_ct,
    ) == (UNREADABLE, UNREADABLE)


@settings(max_examples=300, deadline=None)
@given(stored=st.binary(max_size=200), aad=st.binary(max_size=50))
def test_damaged_ciphertext_reads_as_unreadable_and_never_raises(stored, aad):
    assert decrypt(CIPHER, stored, aad) == UNREADABLE


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=2000), owner=st.integers(1, 2**62))
def test_every_text_comes_back_as_it_went_in_and_only_for_its_case(text, owner):
    from casework.cases.models import CaseNote
    from casework.privacy.texts import decrypt_text, encrypt_text

    stored = encrypt_text(CIPHER, CaseNote, "body_ct", f"case:{owner}", text)
    if not text:
        assert stored is None
        return
    if len(text.encode()) >= 8:
        assert text.encode() not in stored
    assert decrypt_text(CIPHER, CaseNote, "body_ct", f"case:{owner}", stored) == text
    assert decrypt_text(CIPHER, CaseNote, "body_ct", f"case:{owner + 1}", stored) == UNREADABLE


@settings(max_examples=200, deadline=None)
@given(kind=st.text(max_size=40), normal=st.text(max_size=500), key=st.binary(max_size=200))
def test_the_fingerprint_is_hmac_sha256_under_any_key(kind, normal, key):
    """The fingerprint hashes the HMAC key pads once per key (issue 26): it must stay exactly
    HMAC-SHA-256, for keys shorter and longer than SHA-256's 64-byte block."""
    expected = hmac.new(key, f"{kind}\x00{normal}".encode(), hashlib.sha256).digest()
    with mock.patch("casework.privacy.crypto.fingerprint_key", return_value=key):
        assert fingerprint(kind, normal) == expected
        assert fingerprint(kind, normal) == expected  # the pads are reused, not consumed
    assert _hmac_pads.cache_info().currsize <= 4
