"""What field encryption costs (issue 19): the referral import with its per-row cipher and
fingerprints, beside the same import with the cipher replaced by the identity in the same run."""

from __future__ import annotations

import io
import json
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from bench.generate.base import EPOCH_END

from .base import Result, Run, Target, import_or_not_built, scenario

IMPORT_TARGET_ROWS = 100_000


@contextmanager
def _without_encryption():
    """The import with ``protect_identifier`` and the data keys replaced by no-ops: what the
    same rows cost before values were encrypted (the baseline; rolled back afterwards)."""
    from casework.privacy.crypto import ProtectedIdentifier
    from casework.privacy.services import NewDataKeys
    from casework.referrals import bulk, services

    def identity(*, columns, owner, aead, kind, raw, normal, service=""):
        return ProtectedIdentifier(raw.encode(), normal.encode(), normal.encode()[:32], None)

    def no_keys(scope, ids):
        return NewDataKeys(scope=scope, kek_id="", wrapped=[], ciphers=dict.fromkeys(ids))

    saved = services.protect_identifier, bulk.data_keys_make, bulk.data_keys_write
    services.protect_identifier = identity
    bulk.data_keys_make = no_keys
    bulk.data_keys_write = lambda made: None
    try:
        yield
    finally:
        services.protect_identifier, bulk.data_keys_make, bulk.data_keys_write = saved


def _import_seconds(run: Run, path: Path) -> float:
    user = run.personas["investigator"]
    output = io.StringIO()
    with transaction.atomic():
        started = time.perf_counter()
        call_command(
            "import_referrals",
            str(path),
            unit=user.unit.code,
            actor=user.username,
            no_progress=True,
            stdout=output,
            stderr=output,
        )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)  # both runs import the same rows: neither is kept
    return seconds


@scenario("privacy.import", issue="19")
def import_with_encryption(run: Run) -> list[Result]:
    import_or_not_built("casework.privacy.crypto", "protect_identifier")
    synthetic_row = import_or_not_built("casework.referrals.synthetic", "synthetic_row")
    count = run.scale.import_referrals
    prefix = f"PRIV{timezone.now():%Y%m%d%H%M%S}"
    spacing = min(timedelta(minutes=1), (timezone.now() - EPOCH_END) / (count + 1))
    with tempfile.TemporaryDirectory() as directory:
        # Two files of the same rows under different references: the first import, rolled
        # back, leaves dead index entries that the second would otherwise probe key by key.
        paths = []
        for run_prefix in (f"{prefix}P", f"{prefix}E"):
            path = Path(directory) / f"{run_prefix}.jsonl"
            with path.open("w", encoding="utf-8") as handle:
                for n in range(1, count + 1):
                    row = synthetic_row(n, base=EPOCH_END, prefix=run_prefix, spacing=spacing)
                    handle.write(json.dumps(row) + "\n")
            paths.append(path)
        with _without_encryption():
            plain = _import_seconds(run, paths[0])
        encrypted = _import_seconds(run, paths[1])
    per = IMPORT_TARGET_ROWS / count
    return [
        Result(
            "privacy.import",
            f"import_referrals with encryption, {count:,} rows, time per 100,000",
            unit="s",
            value=encrypted * per,
            target=Target(60, "issue 19"),
            baseline=plain * per,
            baseline_label="the same rows, cipher and fingerprints replaced by the identity",
            persona="investigator",
            details={
                "rows": count,
                "seconds": round(encrypted, 2),
                "baseline_seconds": round(plain, 2),
            },
            note="" if count >= IMPORT_TARGET_ROWS else f"projected from {count:,} rows",
        )
    ]
