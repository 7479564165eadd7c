from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from casework.custody import services
from casework.custody.case_uco import case_uco_document
from casework.custody.selectors import case_items_with_chains
from tests.custody.factories import SHA256_OF_NOTHING, make_item

pytestmark = pytest.mark.django_db

CASE_VALIDATE = shutil.which("case_validate") or str(
    Path(sys.executable).with_name("case_validate")
)


@pytest.fixture
def chain(case, store, investigator, teammate, supervisor):
    phone = make_item(
        case=case,
        store=store,
        exhibit_number="EXH-001",
        make="Synthetic",
        model_name="Model X1",
        serial_number="SN0001",
    )
    image = make_item(
        case=case, store=store, exhibit_number="EXH-002", kind="disk_image", root_item=phone
    )
    now = timezone.now()
    services.custody_event_record(
        actor=teammate,
        item=phone,
        kind="transferred",
        transfer_reason="Synthetic hand-over for examination",
        started_at=now - timedelta(hours=20),
        ended_at=now - timedelta(hours=19),
        released_by=investigator,
        received_by=teammate,
        seal_state="intact",
        seal_numbers=["BAG-0001"],
        transport_method="Courier",
        tracking_number="TRK-1",
        place="Synthetic lab",
        authority="SW-2026-0001",
    )
    services.custody_event_record(
        actor=teammate,
        item=phone,
        kind="hash_verified",
        started_at=now - timedelta(hours=5),
        hash_algorithm="sha256",
        hash_value=SHA256_OF_NOTHING,
        tool_name="Synthetic hasher",
        tool_version="2.1",
    )
    services.custody_event_record(
        actor=investigator,
        item=image,
        kind="submitted",
        started_at=now - timedelta(hours=4),
        submission_reference="ICSE-SYN-1",
        hash_set_identifier="HS-1",
        count_new=2,
        count_known=5,
        count_series_matched=0,
    )
    return phone, image


def test_the_export_holds_the_store_id_hashes_people_and_every_event(case, chain, investigator):
    _, items = case_items_with_chains(user=investigator, number=case.number)
    document = case_uco_document(case, items)
    nodes = document["@graph"]
    types = [n["@type"] for n in nodes]
    assert types.count("case-investigation:InvestigativeAction") == 5
    assert types.count("case-investigation:ProvenanceRecord") == 5
    assert types.count("case-investigation:Investigation") == 1
    assert "case-investigation:Authorization" in types
    assert "uco-identity:Person" in types
    refs = [r for n in nodes for r in n.get("uco-core:externalReference", [])]
    assert {r["uco-core:externalIdentifier"] for r in refs} == {i.store_identifier for i in items}
    text = json.dumps(document)
    assert SHA256_OF_NOTHING.upper() in text
    assert '"casework:sealNumbers": ["BAG-0001"]' in text


def test_the_export_is_stable_and_validates_with_case_validate(case, chain, investigator, tmp_path):
    _, items = case_items_with_chains(user=investigator, number=case.number)
    first = case_uco_document(case, items)
    assert case_uco_document(case, items) == first
    path = tmp_path / "export.jsonld"
    path.write_text(json.dumps(first, indent=1))
    result = subprocess.run(
        [CASE_VALIDATE, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert "Conforms: True" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode == 0


def test_the_export_declares_case_1_5_0_and_carries_the_computed_hash(case, chain, investigator):
    _, items = case_items_with_chains(user=investigator, number=case.number)
    nodes = case_uco_document(case, items)["@graph"]
    declaration = next(n for n in nodes if n["@type"] == "owl:Ontology")
    assert declaration["owl:imports"] == [
        {"@id": "https://ontology.caseontology.org/case/case/1.5.0"}
    ]
    verified = next(n for n in nodes if n.get("uco-core:name") == "Hash verified")
    computed = verified["casework:computedHash"]
    assert computed["uco-types:hashMethod"] == "SHA256"
    assert computed["uco-types:hashValue"]["@value"] == SHA256_OF_NOTHING.upper()
    # The exhibit number is said once, by CASE's own property on each provenance record.
    assert not any("casework:exhibitNumber" in n for n in nodes)
    records = [n for n in nodes if n["@type"] == "case-investigation:ProvenanceRecord"]
    assert {r["case-investigation:exhibitNumber"] for r in records} == {"EXH-001", "EXH-002"}
    transfer = next(n for n in nodes if n.get("uco-core:name") == "Transferred")
    assert transfer["casework:transferReason"] == "Synthetic hand-over for examination"
