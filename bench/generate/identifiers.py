"""Identifiers on referrals and on cases: what deconfliction searches.

Each referral carries ``identifiers / referrals`` identifiers (three at national scale); a case
holds the identifiers of the referrals accepted into it, once per (kind, value). Values are
already in normal form (lower-case e-mails under ``.invalid``, documentation-range IPs,
service-qualified screen names), and about one in twenty is drawn from a small shared pool, so
that the same identifier appears in several cases as it does in life and lookups find matches.

Values are written as the application writes them (``casework.privacy``): encrypted under a
data key per referral and per case, with keyed fingerprints, and the data keys (wrapped by this
installation's KEK) are COPYed too, so pages and lookups pay what they pay in production.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from django.apps import apps

from ..loader import _LOAD_TIME as _NOW
from ..loader import ModelCopy, deferred_indexes, next_id, reset_sequence
from .base import Context, missing

NAME = "identifiers"
REQUIRES: tuple[str, ...] = ()
REFERRAL_MODEL = "referrals.ReferralIdentifier"
CASE_MODEL = "cases.CaseIdentifier"

KINDS = ("email", "screen_name", "ip_address", "account_id")
KEY_MODEL = "privacy.DataKey"


class Keys:
    """Data keys made as the rows are generated (one per owner), COPYed afterwards."""

    def __init__(self, scope: str) -> None:
        from casework.privacy.keys import current_kek

        self.scope = scope
        self.kek = current_kek()
        self.ciphers: dict[int, object] = {}
        self.wrapped: dict[int, bytes] = {}

    def cipher(self, owner_id: int):
        found = self.ciphers.get(owner_id)
        if found is None:
            import os

            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            key = os.urandom(32)
            found = self.ciphers[owner_id] = AESGCM(key)
            self.wrapped[owner_id] = self.kek.wrap(key, owner=f"{self.scope}:{owner_id}")
        return found

    def load(self) -> int:
        model = apps.get_model(KEY_MODEL)
        first = next_id(model)
        rows = (
            {
                "id": first + n,
                "scope": self.scope,
                "owner_id": owner_id,
                "wrapped_key": wrapped,
                "kek_id": self.kek.key_id,
                "created_at": _NOW,
            }
            for n, (owner_id, wrapped) in enumerate(self.wrapped.items())
        )
        columns = ("id", "scope", "owner_id", "wrapped_key", "kek_id", "created_at")
        loaded = ModelCopy.present(model, columns).load_dicts(rows)
        reset_sequence(model)
        return loaded


def _protect(model, keys: Keys | None, owner_id: int, kind: str, value: str, service: str):
    """(raw_ct, normal_ct, fingerprint, name_fingerprint), or Nones before encryption existed."""
    if keys is None:
        return None, None, None, None
    from casework.privacy.crypto import protect_identifier

    p = protect_identifier(
        columns=model.privacy_columns(),
        owner=f"{keys.scope}:{owner_id}",
        aead=keys.cipher(owner_id),
        kind=kind,
        raw=value,
        normal=value,
        service=service,
    )
    return p.raw_ct, p.normal_ct, p.fingerprint, p.name_fingerprint


def value_for(kind: str, index: int) -> tuple[str, str]:
    """(normal value, service) of synthetic identifier number ``index``."""
    if kind == "email":
        return f"user_{index:08d}@example.invalid", ""
    if kind == "screen_name":
        return f"example-service:user_{index:08d}", "example-service"
    if kind == "ip_address":
        # 198.18.0.0/15 is reserved for benchmarks (RFC 2544): 131,072 addresses, then 2001:db8::.
        if index < 131_072:
            return f"198.{18 + index // 65536}.{index // 256 % 256}.{index % 256}", ""
        return f"2001:db8::{index:x}", ""
    return f"example-service:{index:010d}", "example-service"


def _keys(scope: str) -> Keys | None:
    if missing([KEY_MODEL]):
        return None  # a checkout from before field encryption: plain columns
    from casework.privacy.services import key_check_ensure

    key_check_ensure()
    return Keys(scope)


def load(ctx: Context) -> None:
    rng, scale = ctx.rng, ctx.scale
    per_referral = max(1, round(scale.identifiers / max(1, scale.referrals)))
    hot_pool = max(10, scale.identifiers // 100)
    first_case = ctx.cases.ids[0] if ctx.cases.ids else 0

    # (referral_id, case_id, kind, value, service, observed_at), generated once for both tables.
    identifiers: list[tuple] = []
    counter = hot_pool
    for referral_id, at, case_id in zip(
        ctx.referral_ids, ctx.referral_times, ctx.referral_cases, strict=True
    ):
        for _ in range(per_referral):
            kind = rng.choice(KINDS)
            if rng.random() < 0.05:
                index = rng.randrange(hot_pool)
            else:
                counter += 1
                index = counter
            value, service = value_for(kind, index)
            identifiers.append((referral_id, case_id, kind, value, service, at))

    if missing([REFERRAL_MODEL]):
        ctx.not_built("identifiers (referrals)", [REFERRAL_MODEL])
    else:
        started = time.perf_counter()
        model = apps.get_model(REFERRAL_MODEL)
        first = next_id(model)
        referral_keys = _keys("referral")

        def referral_rows() -> Iterator[dict]:
            for n, (referral_id, _, kind, value, service, at) in enumerate(identifiers):
                raw_ct, normal_ct, fp, name_fp = _protect(
                    model, referral_keys, referral_id, kind, value, service
                )
                yield {
                    "raw_ct": raw_ct,
                    "normal_ct": normal_ct,
                    "fingerprint": fp,
                    "name_fingerprint": name_fp,
                    "id": first + n,
                    "created_at": at,
                    "updated_at": at,
                    "referral_id": referral_id,
                    "kind": kind,
                    "raw": value,
                    "normal": value,
                    "service": service,
                    "ip_event": "login" if kind == "ip_address" else "",
                    "observed_at": at if kind == "ip_address" else None,
                }

        columns = (
            "id",
            "created_at",
            "updated_at",
            "referral_id",
            "kind",
            "raw",
            "normal",
            "raw_ct",
            "normal_ct",
            "fingerprint",
            "name_fingerprint",
            "service",
            "ip_event",
            "observed_at",
        )
        with deferred_indexes(model, enabled=ctx.defer_indexes):
            loaded = ModelCopy.present(model, columns).load_dicts(referral_rows())
        reset_sequence(model)
        if referral_keys is not None:
            referral_keys.load()
        ctx.record(REFERRAL_MODEL, loaded, started)

    if missing([CASE_MODEL]):
        ctx.not_built("identifiers (cases)", [CASE_MODEL])
        return
    started = time.perf_counter()
    model = apps.get_model(CASE_MODEL)
    first = next_id(model)
    seen: set[tuple[int, str, str]] = set()
    case_keys = _keys("case")

    def case_rows() -> Iterator[dict]:
        n = first
        for referral_id, case_id, kind, value, service, at in identifiers:
            if case_id is None or (case_id, kind, value) in seen:
                continue
            seen.add((case_id, kind, value))
            opened = ctx.cases.opened_at[case_id - first_case]
            raw_ct, normal_ct, fp, name_fp = _protect(
                model, case_keys, case_id, kind, value, service
            )
            yield {
                "raw_value_ct": raw_ct,
                "normal_value_ct": normal_ct,
                "fingerprint": fp,
                "name_fingerprint": name_fp,
                "id": n,
                "created_at": opened,
                "updated_at": opened,
                "case_id": case_id,
                "kind": kind,
                "raw_value": value,
                "normal_value": value,
                "service": service,
                "ip_event": "login" if kind == "ip_address" else "",
                "observed_at": at if kind == "ip_address" else None,
                "added_by_id": ctx.cases.lead_ids[case_id - first_case],
                "source_referral_id": referral_id,
            }
            n += 1

    columns = (
        "id",
        "created_at",
        "updated_at",
        "case_id",
        "kind",
        "raw_value",
        "normal_value",
        "raw_value_ct",
        "normal_value_ct",
        "fingerprint",
        "name_fingerprint",
        "service",
        "ip_event",
        "observed_at",
        "added_by_id",
        "source_referral_id",
    )
    with deferred_indexes(model, enabled=ctx.defer_indexes):
        loaded = ModelCopy.present(model, columns).load_dicts(case_rows())
    reset_sequence(model)
    if case_keys is not None:
        case_keys.load()
    ctx.record(CASE_MODEL, loaded, started)
