"""Witnesses (C2SP tlog-witness), both ways.

Threat: a log operator who shows one history to a court and another to everyone else (a
split view), or who rewrites the log and signs the rewrite with its own key. A signature by
the log proves nothing against the log itself; a cosignature by an independent witness that
checked the new checkpoint extends the one it saw before does. So:

* **As a log**, after each signed checkpoint Casework posts it, with a consistency proof from
  the size each witness last cosigned, to the witnesses in ``CASEWORK_AUDIT_WITNESSES`` and
  keeps the cosignature lines they return beside the checkpoint (``AuditCosignature``).
  ``/log/checkpoint`` serves the checkpoint with them.
* **As a witness** for a partner's log (``CASEWORK_WITNESS_LOGS``), Casework answers
  ``POST /log/witness/add-checkpoint``: it checks the log's signature and that the new
  checkpoint extends the last one it cosigned for that origin, and only then cosigns and
  records it (``WitnessedCheckpoint``). Checking and recording happen under a per-origin lock,
  so two concurrent submissions cannot roll the recorded size back.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from . import conf, cosignatures, keys, merkle, notes, tree
from .models import AuditCheckpoint, AuditCosignature, WitnessedCheckpoint
from .services import audit_record

logger = logging.getLogger(__name__)

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"
REQUEST_TIMEOUT_SECONDS = 10


# --- the log's side ----------------------------------------------------------------------------


def checkpoint_note_with_cosignatures(checkpoint: AuditCheckpoint) -> str:
    """The checkpoint's signed note followed by every witness cosignature stored for it.

    The result is still one signed note: verifiers that know only the log's key ignore the
    witnesses' lines, and those that know a witness's key can check its line.
    """
    lines = list(
        AuditCosignature.objects.filter(checkpoint=checkpoint)
        .order_by("witness_name")
        .values_list("line", flat=True)
    )
    return checkpoint.signed_note + "".join(line.rstrip("\n") + "\n" for line in lines)


def latest_signed_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.exclude(signed_note="").order_by("-id").first()


def request_body(old_size: int, proof: list[bytes], note: str) -> str:
    lines = [f"old {old_size}", *(base64.b64encode(node).decode() for node in proof)]
    return "\n".join(lines) + "\n\n" + note


@dataclass
class WitnessOutcome:
    url: str
    witness: str
    ok: bool
    message: str


def checkpoint_send_to_witnesses(*, checkpoint_id: int) -> list[WitnessOutcome]:
    """Ask every configured witness to cosign a signed checkpoint; keep what they return.

    Idempotent: a witness that already cosigned this checkpoint is not asked again. A witness
    that is down or refuses is logged and reported, never fatal: the next checkpoint asks
    again from the size it last cosigned.
    """
    checkpoint = AuditCheckpoint.objects.filter(pk=checkpoint_id).exclude(signed_note="").first()
    if checkpoint is None:
        return []
    return [_ask(witness, checkpoint) for witness in conf.witnesses()]


def _ask(witness: conf.Witness, checkpoint: AuditCheckpoint) -> WitnessOutcome:
    try:
        key = cosignatures.parse_verifier_key(witness.key)
    except notes.NoteError as error:
        return _outcome(witness, "?", False, f"bad witness key in the settings: {error}")
    if AuditCosignature.objects.filter(checkpoint=checkpoint, witness_name=key.name).exists():
        return _outcome(witness, key.name, True, "already cosigned")
    old_size = (
        AuditCosignature.objects.filter(witness_name=key.name)
        .order_by("-checkpoint__tree_size")
        .values_list("checkpoint__tree_size", flat=True)
        .first()
        or 0
    )
    for _attempt in range(2):
        if old_size > checkpoint.tree_size:
            return _outcome(
                witness,
                key.name,
                False,
                f"the witness has seen size {old_size}, larger than this checkpoint's "
                f"{checkpoint.tree_size}: it was shown another history of this log",
            )
        proof = tree.consistency_path(old_size, checkpoint.tree_size)
        status, text = _post(witness.url, request_body(old_size, proof, checkpoint.signed_note))
        if status == 409 and text.strip().isdigit():
            old_size = int(text.strip())  # the witness knows another size: prove from that
            continue
        break
    if status != 200:
        return _outcome(witness, key.name, False, f"answered {status}: {text.strip()[:200]}")
    body = checkpoint.signed_note.partition("\n\n")[0] + "\n"
    for line in text.splitlines():
        try:
            timestamp = cosignatures.verify_line(body, line, key)
        except notes.NoteError as error:
            return _outcome(witness, key.name, False, f"returned a bad cosignature: {error}")
        if timestamp is not None:
            _store(checkpoint, witness, key.name, line, timestamp)
            return _outcome(witness, key.name, True, f"cosigned size {checkpoint.tree_size}")
    return _outcome(witness, key.name, False, "returned no cosignature by its key")


@transaction.atomic
def _store(checkpoint, witness, name: str, line: str, timestamp: int) -> None:
    AuditCosignature.objects.create(
        checkpoint=checkpoint,
        witness_name=name,
        witness_url=witness.url,
        line=line + "\n",
        signed_at=datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC),
        received_at=timezone.now(),
    )
    audit_record(
        actor=None,
        action="audit.cosignature",
        object_type="audit.auditcheckpoint",
        object_id=str(checkpoint.pk),
        details={"witness": name, "tree_size": checkpoint.tree_size},
    )


def _outcome(witness, name: str, ok: bool, message: str) -> WitnessOutcome:
    if not ok:
        logger.warning("witness %s (%s): %s", name, witness.url, message)
    return WitnessOutcome(witness.url, name, ok, message)


def _post(url: str, body: str) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=body.encode(), method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as error:
        return 0, f"could not be reached: {error}"


# --- the witness's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessAnswer:
    """An HTTP answer as the tlog-witness specification prescribes it."""

    status: int
    text: str
    content_type: str = "text/plain; charset=utf-8"


def _refuse(status: int, text: str) -> WitnessAnswer:
    return WitnessAnswer(status, text.rstrip("\n") + "\n")


def _parse_request(body: str) -> tuple[int, list[bytes], str]:
    head, separator, note = body.partition("\n\n")
    if not separator:
        raise ValueError("the request has no empty line before the checkpoint")
    lines = head.split("\n")
    old = lines[0]
    if not old.startswith("old ") or not old[4:].isdigit():
        raise ValueError("the first line is not 'old <size>'")
    if old[4:] != "0" and old[4:].startswith("0"):
        raise ValueError("the old size has leading zeroes")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except ValueError:
        raise ValueError("a consistency proof line is not base64") from None
    if any(len(node) != 32 for node in proof):
        raise ValueError("a consistency proof line is not a 32-byte hash")
    return int(old[4:]), proof, note


def _log_key_for(origin: str) -> str | None:
    for key in conf.witnessed_logs():
        if key.split("+", 1)[0] == origin:
            return key
    return None


@transaction.atomic
def witness_checkpoint_add(*, body: str) -> WitnessAnswer:
    """Cosign a partner log's checkpoint if it extends the last one cosigned for its origin.

    Status codes as C2SP tlog-witness prescribes: 400 malformed or old size beyond the
    checkpoint, 404 unknown log, 403 no valid signature by the log's key, 409 (with the size
    this witness holds, ``text/x.tlog.size``) when the old size is not that size, 422 when the
    consistency proof or the empty-tree rule fails, 200 with the cosignature line.
    """
    try:
        old_size, proof, note = _parse_request(body)
        checkpoint = notes.parse(note)[0]
    except ValueError as error:  # NoteError is a ValueError
        return _refuse(400, f"malformed request: {error}")
    log_key = _log_key_for(checkpoint.origin)
    if log_key is None:
        return _refuse(404, f"this witness does not witness the log {checkpoint.origin}")
    try:
        notes.verify(note, log_key)
    except notes.NoteError as error:
        return _refuse(403, f"not signed by the log's key: {error}")
    if old_size > checkpoint.size:
        return _refuse(400, "the old size is larger than the checkpoint's size")
    with connection.cursor() as cursor:
        # One submission per origin at a time: check and record as one step (see the spec's
        # race, where a slower request would roll the recorded size back).
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", [checkpoint.origin])
    latest = WitnessedCheckpoint.objects.filter(origin=checkpoint.origin).order_by("-id").first()
    held = latest.tree_size if latest else 0
    if old_size != held:
        return WitnessAnswer(409, f"{held}\n", SIZE_CONTENT_TYPE)
    if checkpoint.size == 0 and checkpoint.root != merkle.EMPTY_ROOT:
        return _refuse(422, "a checkpoint of size 0 must carry the empty tree's hash")
    if old_size == 0 and proof:
        return _refuse(422, "a proof from size 0 must be empty")
    if old_size == checkpoint.size and latest is not None:
        if bytes(latest.root_hash) != checkpoint.root:
            return _refuse(422, "same size as before, but another root hash: a split view")
    elif old_size > 0 and not merkle.verify_consistency(
        old_size, checkpoint.size, bytes(latest.root_hash), checkpoint.root, proof
    ):
        return _refuse(422, "the consistency proof does not verify")
    line = cosignatures.cosign(
        checkpoint.body(), keys.witness_key(), name=conf.witness_name(), timestamp=int(time.time())
    )
    WitnessedCheckpoint.objects.create(
        origin=checkpoint.origin,
        tree_size=checkpoint.size,
        root_hash=checkpoint.root,
        note=note,
        cosignature=line,
        received_at=timezone.now(),
    )
    audit_record(
        actor=None,
        action="audit.witness_cosign",
        object_type="audit.witnessedcheckpoint",
        object_id=checkpoint.origin,
        details={"origin": checkpoint.origin, "tree_size": checkpoint.size, "old_size": old_size},
    )
    return WitnessAnswer(200, line)


def witnessed_note(origin_hash: str) -> str | None:
    """The latest checkpoint cosigned for the log whose origin hashes (SHA-256, hex) to
    ``origin_hash``, with the log's signature and this witness's cosignature."""
    for key in conf.witnessed_logs():
        origin = key.split("+", 1)[0]
        if hashlib.sha256(origin.encode()).hexdigest() == origin_hash:
            latest = WitnessedCheckpoint.objects.filter(origin=origin).order_by("-id").first()
            if latest is not None:
                return latest.note.rstrip("\n") + "\n" + latest.cosignature
    return None
