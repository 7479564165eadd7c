"""Two people record a transfer of the same item at the same moment: one wins, one is told."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from casework.core.errors import ConflictError
from casework.custody import services
from casework.custody.models import EvidenceItem

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_transfers_one_wins_the_other_gets_a_conflict(
    item, investigator, teammate, supervisor
):
    # Both people loaded the item (and its last event) before either saved.
    views = {
        teammate.username: EvidenceItem.objects.get(pk=item.pk),
        supervisor.username: EvidenceItem.objects.get(pk=item.pk),
    }
    outcomes: dict[str, object] = {}
    started = threading.Barrier(3)

    def record(receiver):
        try:
            started.wait()
            event = services.custody_event_record(
                actor=investigator,
                item=views[receiver.username],
                kind="transferred",
                transfer_reason="Synthetic hand-over for examination",
                started_at=timezone.now() - timedelta(minutes=1),
                released_by=investigator,
                received_by=receiver,
                seal_state="intact",
            )
            outcomes[receiver.username] = event
        except ConflictError as error:
            outcomes[receiver.username] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=(u,)) for u in (teammate, supervisor)]
    # Hold the item's row lock so that both writers are queued on it at the same moment.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM custody_evidenceitem WHERE id = %s FOR UPDATE", [item.pk]
            )
        for thread in threads:
            thread.start()
        started.wait()
        waiting = _wait_for_lock_waiters(2)
    for thread in threads:
        thread.join(timeout=30)

    assert waiting == 2
    kinds = sorted(type(o).__name__ for o in outcomes.values())
    assert kinds == ["ConflictError", "CustodyEvent"]
    winner = next(o for o in outcomes.values() if not isinstance(o, Exception))
    loser = next(o for o in outcomes.values() if isinstance(o, Exception))
    assert "while you were working" in loser.message
    item.refresh_from_db()
    assert item.current_holder == winner.received_by
    assert item.events.count() == 2


def _wait_for_lock_waiters(expected: int) -> int:
    import time

    deadline = time.monotonic() + 10
    count = 0
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            # Statistics are a snapshot per transaction; we are inside one, so refresh it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            count = cursor.fetchone()[0]
            if count >= expected:
                break
            time.sleep(0.05)
    return count
