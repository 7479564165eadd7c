"""The audit export keeps every event as recorded, so it can be re-hashed against the log."""

from __future__ import annotations

import hashlib
import json

import pytest
import rfc8785
from django.urls import reverse

from casework.audit.models import AuditSeal
from casework.audit.sealing import seal_all
from casework.audit.services import audit_record
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


def exported(client, **filters) -> list[dict]:
    response = client.get(reverse("audit:export-json"), filters)
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))["events"]


def rehash(row: dict) -> str:
    document = {key: value for key, value in row.items() if key != "ledger"}
    return hashlib.sha256(b"\x00" + rfc8785.dumps(document)).hexdigest()


def test_every_exported_event_rehashes_to_its_leaf_hash(client_for, supervisor, investigator):
    case = make_case(lead=investigator, title="Synthetic case 0007")
    audit_record(
        actor=investigator,
        action="test.fidelity",
        case_id=case.pk,
        changes={"status": ["open", "review"], "count": 3, "ratio": 0.5},
        details={"note": "Synthetic \u00e9v\u00e9nement \u2014 \U0001f512"},
        reason="Synthetic reason",
    )
    seal_all(sign=True)
    rows = exported(client_for(supervisor), case=case.number)
    assert len(rows) > 3
    leaves = dict(AuditSeal.objects.values_list("event_id", "leaf_hash"))
    for row in rows:
        assert {"v", "actor_id", "source", "changes"} <= set(row)
        assert "redacted" not in row["ledger"]
        assert row["ledger"]["leaf_hash"] == bytes(leaves[row["id"]]).hex()
        assert rehash(row) == row["ledger"]["leaf_hash"], row["action"]
    recorded = next(row for row in rows if row["action"] == "test.fidelity")
    assert recorded["changes"]["status"] == ["open", "review"]
    assert recorded["actor_id"] == investigator.pk and recorded["source"] == "service"


def test_the_auditor_gets_names_not_values_and_is_told_which_events_cannot_be_rehashed(
    client_for, auditor, investigator
):
    case = make_case(lead=investigator, title="Synthetic case 0008")
    audit_record(
        actor=investigator, action="test.fidelity", case_id=case.pk, changes={"status": ["a", "b"]}
    )
    audit_record(actor=investigator, action="test.fidelity", case_id=case.pk)
    seal_all(sign=True)
    rows = exported(client_for(auditor), action="test.fidelity")
    with_changes, without = sorted(rows, key=lambda row: not row["changes"])
    assert with_changes["changes"] == {"status": "changed"}
    assert with_changes["ledger"]["redacted"] == ["changes"]
    assert rehash(with_changes) != with_changes["ledger"]["leaf_hash"]
    assert "redacted" not in without["ledger"]
    assert rehash(without) == without["ledger"]["leaf_hash"]
