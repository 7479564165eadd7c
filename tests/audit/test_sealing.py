"""The sealer seals committed events in order, signs checkpoints and never loses a late one."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from casework.audit import keys, merkle, notes
from casework.audit.models import AuditCheckpoint, AuditEvent, AuditSeal
from casework.audit.sealing import SEALER_LOCK, seal_all
from casework.audit.services import audit_record, audit_seal_pending


def _record(n: int = 1, action: str = "test.event") -> list[AuditEvent]:
    return [audit_record(actor=None, action=action, details={"n": i}) for i in range(n)]


@pytest.mark.django_db
def test_it_seals_events_into_the_tree_and_signs_a_checkpoint_file():
    events = _record(5)
    result = audit_seal_pending()
    assert result["sealed"] >= 5 and result["signed"]
    seals = list(AuditSeal.objects.order_by("position"))
    assert [seal.position for seal in seals] == list(range(len(seals)))
    sealed_ids = [seal.event_id for seal in seals]
    assert [event.pk for event in events] == [i for i in sealed_ids if i in {e.pk for e in events}]

    leaves = [merkle.leaf_hash(bytes(AuditEvent.objects.get(pk=i).canonical)) for i in sealed_ids]
    assert [bytes(seal.leaf_hash) for seal in seals] == leaves
    checkpoint = AuditCheckpoint.objects.order_by("-id").first()
    assert bytes(checkpoint.root_hash) == merkle.root(leaves)

    # The note is on disk after commit? Under TestCase the commit never happens, so write it
    # the way the on_commit hook would and check its contents.
    assert checkpoint.signed_note
    parsed = notes.verify(checkpoint.signed_note, keys.verifier_key())
    assert (parsed.size, parsed.root) == (len(leaves), merkle.root(leaves))
    assert parsed.origin == "casework.invalid/audit-test"


@pytest.mark.django_db
def test_a_run_with_nothing_new_writes_nothing():
    _record(2)
    audit_seal_pending()
    count = AuditCheckpoint.objects.count()
    assert audit_seal_pending()["sealed"] == 0
    assert AuditCheckpoint.objects.count() == count


@pytest.mark.django_db
def test_signing_waits_for_its_interval_and_then_signs_the_sealed_tip(settings):
    _record(1)
    audit_seal_pending()
    settings.AUDIT_SIGN_SECONDS = 3600
    _record(2)
    result = audit_seal_pending()
    assert result["sealed"] >= 2 and not result["signed"]
    tip = AuditCheckpoint.objects.order_by("-id").first()
    assert not tip.signed_note
    forced = audit_seal_pending(sign=True)
    assert forced["sealed"] == 0 and forced["signed"]
    signed = AuditCheckpoint.objects.order_by("-id").first()
    assert signed.tree_size == tip.tree_size and signed.signed_note


@pytest.mark.django_db
def test_batches_resume_where_the_last_one_stopped():
    _record(7)
    first = audit_seal_pending(limit=3)
    assert first["sealed"] == 3 and first["more"]
    total = seal_all(limit=3)
    assert AuditSeal.objects.count() == AuditEvent.objects.filter(canonical__isnull=False).count()
    assert total["sealed"] >= 4
    leaves = [bytes(s.leaf_hash) for s in AuditSeal.objects.order_by("position")]
    assert bytes(AuditCheckpoint.objects.order_by("-id").first().root_hash) == merkle.root(leaves)


@pytest.mark.django_db(transaction=True)
def test_an_event_that_commits_late_is_sealed_later_never_lost():
    """Transaction A writes an event and stays open; B writes and commits; the sealer runs.

    B's event is newer in id but must wait: A is older and still open. After A commits, the next
    run seals A then B, in transaction order, and nothing is skipped.
    """
    _record(2, action="test.before")
    seal_all()
    started = threading.Event()
    release = threading.Event()
    late_id: list[int] = []

    def slow_writer():
        try:
            with transaction.atomic():
                late_id.append(audit_record(actor=None, action="test.late").pk)
                started.set()
                release.wait(10)
        finally:
            connections.close_all()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert started.wait(10)
    quick = audit_record(actor=None, action="test.quick")
    first = audit_seal_pending()
    assert not AuditSeal.objects.filter(event_id__in=[quick.pk, late_id[0]]).exists()
    assert first["sealed"] == 0
    release.set()
    writer.join(10)
    audit_seal_pending()
    order = list(
        AuditSeal.objects.filter(event_id__in=[quick.pk, late_id[0]])
        .order_by("position")
        .values_list("event_id", flat=True)
    )
    assert order == [late_id[0], quick.pk]


@pytest.mark.django_db(transaction=True)
def test_a_committed_checkpoint_is_written_to_the_configured_directory():
    _record(3)
    result = audit_seal_pending()
    directory = Path(settings.AUDIT_CHECKPOINT_DIR)
    latest = (directory / "latest.checkpoint").read_text()
    checkpoint = notes.verify(latest, (directory / "verifier.key").read_text())
    assert checkpoint.size == result["tree_size"]
    files = list(directory.glob("*/*.checkpoint"))
    assert len(files) == 1 and files[0].read_text() == latest


@pytest.mark.django_db(transaction=True)
def test_a_second_sealer_does_not_wait_for_the_lock():
    _record(1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK])
        outcome: dict = {}

        def other():
            try:
                outcome.update(audit_seal_pending())
            finally:
                connections.close_all()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(10)
    assert outcome["locked"] is True and outcome["sealed"] == 0
