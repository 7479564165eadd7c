"""The log over HTTP (C2SP tlog-tiles) and the proof API, checked from the specifications.

Everything fetched is checked with ``tests/audit/tlog_spec.py`` (written from RFC 9162 and the
C2SP documents, importing nothing from Casework) and, for proofs, with the project's
standalone verifier in a process that cannot import Django or a database driver.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from casework.audit.models import AuditEvent, AuditSeal, AuditTreeNode
from casework.audit.sealing import seal_all
from casework.audit.services import audit_record
from tests.audit import tlog_spec as spec
from tests.audit.standalone import run_verifier
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


def add_events(count: int) -> None:
    """``count`` plain events in one statement (the ledger's trigger writes their bytes)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_username, action, outcome, "
            "object_type, object_id, request_id, user_agent, reason, changes, details, source) "
            "SELECT now(), '', 'case.view', 'succeeded', '', '', '', '', '', '{}', "
            "jsonb_build_object('n', g), 'service' FROM generate_series(1, %s) AS g",
            [count],
        )


def fetch(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.content[:200])
    return response


def leaves_from_tiles(client, size: int) -> list[bytes]:
    leaves: list[bytes] = []
    for level, index, width in spec.tiles_for(size):
        if level == 0:
            leaves += spec.split_tile(
                fetch(client, "/log/" + spec.tile_path(0, index, width)).content
            )
    return leaves


@pytest.fixture
def reader(investigator, client_for):
    return client_for(investigator)


@pytest.fixture
def log_key(reader):
    return fetch(reader, "/log/key").content.decode().strip()


def test_it_serves_a_tree_of_70000_events_as_the_spec_describes(reader, log_key):
    add_events(70_000)
    seal_all(sign=True)
    note = fetch(reader, "/log/checkpoint").content.decode()
    origin, size, root, _lines = spec.open_checkpoint(note, log_key)
    assert origin == "casework.invalid/audit-test" and size >= 70_000
    shape = spec.tiles_for(size)
    # The spec's example for 70,000: 273 full level-0 tiles, one full level-1 tile, and
    # partial tiles at levels 0, 1 and 2.
    assert sum(1 for level, _, width in shape if level == 0 and width is None) == size // 256
    assert [(lv, w) for lv, _, w in shape if lv == 2] == [(2, 1)]
    tiles = {
        (level, index): spec.split_tile(
            fetch(reader, "/log/" + spec.tile_path(level, index, width)).content
        )
        for level, index, width in shape
    }
    leaves = [h for (level, _), hashes in sorted(tiles.items()) if level == 0 for h in hashes]
    assert len(leaves) == size and spec.mth(leaves) == root
    # Each hash of a level-L tile is the tree hash of 256**L consecutive leaves.
    for (level, index), hashes in tiles.items():
        span = 256**level
        for i, value in enumerate(hashes):
            first = (index * 256 + i) * span
            assert value == spec.mth(leaves[first : first + span]), (level, index, i)
    # An event's own bytes hash to its entry in the level-0 tile.
    event = AuditEvent.objects.order_by("-id").first()
    position = AuditSeal.objects.get(event=event).position
    assert leaves[position] == spec.leaf(bytes(event.canonical))


def test_full_tiles_are_immutable_partial_ones_and_the_checkpoint_short_lived(reader):
    add_events(300)
    seal_all(sign=True)
    full = fetch(reader, "/log/tile/0/000")
    assert full["Content-Type"] == "application/octet-stream" and len(full.content) == 8192
    assert "immutable" in full["Cache-Control"] and "max-age=31536000" in full["Cache-Control"]
    assert "private" in full["Cache-Control"]  # only signed-in readers by default
    partial = fetch(reader, "/log/tile/0/001.p/3")
    assert len(partial.content) == 96 and "immutable" not in partial["Cache-Control"]
    checkpoint = fetch(reader, "/log/checkpoint")
    assert checkpoint["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age=5" in checkpoint["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/999",  # not sealed yet
        "tile/0/001.p/255",  # wider than the tree
        "tile/1/000",  # a level-1 tile needs 65,536 events
        "tile/0/x000/000",  # not the canonical path of index 0
        "tile/64/000",  # level out of range
        "tile/0/000.p/0",
        "tile/entries/000",  # entry bundles (the events' bytes) are never public
        "tile/entries/000.p/3",
    ],
)
def test_it_answers_404_for_tiles_that_do_not_exist_or_are_not_public(reader, path):
    add_events(300)
    seal_all(sign=True)
    fetch(reader, "/log/" + path, 404)


def test_only_signed_in_users_and_tokens_read_the_log_unless_it_is_published(
    client, investigator, settings
):
    add_events(10)
    seal_all(sign=True)
    for path in ("/log/checkpoint", "/log/key", "/log/tile/0/000.p/5"):
        assert client.get(path).status_code == 401
    token = Token.objects.create(user=investigator)
    answer = client.get("/log/checkpoint", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert answer.status_code == 200 and answer.content.startswith(b"casework.invalid/")
    settings.AUDIT_LOG_PUBLIC = True
    published = client.get("/log/tile/0/000.p/5")
    assert published.status_code == 200 and "public" in published["Cache-Control"]


def test_serving_a_tile_takes_one_query_beyond_signing_in(reader, django_assert_max_num_queries):
    add_events(600)
    seal_all(sign=True)
    fetch(reader, "/log/tile/0/001")
    with django_assert_max_num_queries(4):
        fetch(reader, "/log/tile/0/001")


def test_the_nodes_a_loader_skipped_are_caught_up_by_the_next_sealing(request):
    from casework.audit import tree

    add_events(1500)
    seal_all(sign=True)
    kept = {(n.height, n.index): bytes(n.hash) for n in AuditTreeNode.objects.all()}
    size = AuditSeal.objects.count()
    assert len(kept) == size // 256 + size // 512 + size // 1024 and size >= 1500
    # As a bulk loader that wrote seals itself would leave it (the guard switched off).
    request.getfixturevalue("superuser_cursor").execute("DELETE FROM audit_audittreenode")
    assert tree.tile(1, 0, 5) is None
    add_events(10)
    seal_all(sign=True)
    again = {(n.height, n.index): bytes(n.hash) for n in AuditTreeNode.objects.all()}
    assert again == kept
    assert tree.tile(1, 0, 5) is not None


# --- proofs over the API -----------------------------------------------------------------------


@pytest.fixture
def case_event(investigator, teammate):
    case = make_case(lead=investigator, assignees=[teammate], title="Synthetic case 0001")
    event = audit_record(actor=investigator, action="case.view", target=case, case_id=case.pk)
    add_events(700)
    seal_all(sign=True)
    return event


def test_the_case_team_gets_a_proof_that_checks_out_from_the_specs(
    case_event, teammate, api_for, reader, log_key
):
    answer = api_for(teammate).get(f"/api/v1/audit/events/{case_event.pk}/proof/")
    assert answer.status_code == 200, answer.content
    proof = answer.json()
    _origin, size, root, _ = spec.open_checkpoint(proof["checkpoint"], log_key)
    leaves = leaves_from_tiles(reader, size)
    canonical = base64.b64decode(proof["event"])
    assert spec.leaf(canonical) == leaves[proof["leaf_index"]] and spec.mth(leaves) == root
    path = [base64.b64decode(h) for h in proof["inclusion_path"]]
    assert path == spec.path(proof["leaf_index"], leaves)
    assert json.loads(canonical)["id"] == case_event.pk == proof["event_json"]["id"]
    recorded = AuditEvent.objects.filter(action="audit.proof_export").get()
    assert recorded.actor_id == teammate.pk and recorded.object_id == str(case_event.pk)
    assert recorded.case_id == case_event.case_id and recorded.details["via"] == "api"


def test_the_standalone_verifier_accepts_the_api_proof_without_django(
    case_event, supervisor, api_for, log_key, tmp_path
):
    proof = api_for(supervisor).get(f"/api/v1/audit/events/{case_event.pk}/proof/").json()
    (tmp_path / "p.json").write_text(json.dumps(proof))
    (tmp_path / "log.key").write_text(log_key)
    done = run_verifier(tmp_path, "p.json", "--key", "log.key")
    assert done.returncode == 0, done.stderr
    assert f"VERIFIED: event {case_event.pk}" in done.stdout


def test_others_get_404_for_a_proof(case_event, outsider, outside_supervisor, api_for, auditor):
    url = f"/api/v1/audit/events/{case_event.pk}/proof/"
    for user in (outsider, outside_supervisor):
        assert api_for(user).get(url).status_code == 404
    assert api_for(outsider).get("/api/v1/audit/events/999999999/proof/").status_code == 404
    assert (
        api_for(outsider).get("/api/v1/audit/events/99999999999999999999/proof/").status_code == 404
    )
    # An auditor sees every event but no case values: a view carries none, so it has a proof;
    # a captured change of the case (with its values) has none for the auditor.
    assert api_for(auditor).get(url).status_code == 200
    change = AuditEvent.objects.filter(case_id=case_event.case_id).exclude(changes={}).first()
    assert change is not None
    answer = api_for(auditor).get(f"/api/v1/audit/events/{change.pk}/proof/")
    assert answer.status_code == 404
    assert not AuditEvent.objects.filter(action="audit.proof_export", actor_id=outsider.pk)


def test_a_proof_for_an_older_checkpoint_and_for_a_size_that_does_not_exist(
    case_event, investigator, api_for
):
    old = api_for(investigator).get(f"/api/v1/audit/events/{case_event.pk}/proof/").json()
    add_events(50)
    seal_all(sign=True)
    api = api_for(investigator)
    again = api.get(f"/api/v1/audit/events/{case_event.pk}/proof/?size={old['tree_size']}")
    assert again.json()["inclusion_path"] == old["inclusion_path"]
    assert (
        api.get(f"/api/v1/audit/events/{case_event.pk}/proof/").json()["tree_size"]
        > old["tree_size"]
    )
    missing = api.get(f"/api/v1/audit/events/{case_event.pk}/proof/?size=3")
    assert missing.status_code == 404 and "size 3" in missing.json()["detail"]
    bad = api.get(f"/api/v1/audit/events/{case_event.pk}/proof/?size=many")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "size"


def test_consistency_proofs_check_out_from_the_specs(case_event, auditor, api_for, reader, log_key):
    api = api_for(auditor)
    first = spec.open_checkpoint(reader.get("/log/checkpoint").content.decode(), log_key)
    add_events(333)
    seal_all(sign=True)
    answer = api.get(f"/api/v1/audit/consistency/?old={first[1]}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    _, new_size, new_root, _ = spec.open_checkpoint(body["new_checkpoint"], log_key)
    leaves = leaves_from_tiles(reader, new_size)
    assert spec.mth(leaves[: first[1]]) == first[2] and spec.mth(leaves) == new_root
    assert [base64.b64decode(h) for h in body["consistency_path"]] == spec.proof(first[1], leaves)
    for old in (1, 7, 256, first[1] - 1):
        path = api.get(f"/api/v1/audit/consistency/?old={old}&new={new_size}").json()
        assert [base64.b64decode(h) for h in path["consistency_path"]] == spec.proof(old, leaves)
    recorded = AuditEvent.objects.filter(action="audit.consistency_proof", actor_id=auditor.pk)
    assert recorded.count() == 5
    assert api.get("/api/v1/audit/consistency/?old=-1").status_code == 400
    assert api.get(f"/api/v1/audit/consistency/?old={new_size + 1}").status_code == 400
    assert api.get("/api/v1/audit/consistency/").json()["errors"][0]["field"] == "old"


def test_consistency_proofs_are_404_for_people_without_an_audit_or_case_role(
    case_event, administrator, api_for
):
    assert api_for(administrator).get("/api/v1/audit/consistency/?old=1").status_code == 404


def test_a_proof_costs_a_bounded_number_of_queries(
    case_event, investigator, api_for, django_assert_max_num_queries
):
    api = api_for(investigator)
    with django_assert_max_num_queries(16):
        assert api.get(f"/api/v1/audit/events/{case_event.pk}/proof/").status_code == 200


def test_a_tampered_tree_node_is_named_by_verification_and_fails_proofs(request):
    from casework.audit.proofs import inclusion_proof_export
    from casework.audit.verification import verify_ledger
    from casework.core.errors import NotFound

    add_events(600)
    seal_all(sign=True)
    first = AuditSeal.objects.get(position=0).event_id
    assert verify_ledger().ok
    request.getfixturevalue("superuser_cursor").execute(
        "UPDATE audit_audittreenode SET hash = %s WHERE height = 8 AND index = 1", [b"\x09" * 32]
    )
    problems = verify_ledger().problems
    assert [p.kind for p in problems] == ["tree"] and "leaves 256-511" in problems[0].message
    # A proof for an event in the first tile needs the hash of leaves 256-511: it fails, and
    # is not handed out.
    with pytest.raises(NotFound, match="does not prove"):
        inclusion_proof_export(event_id=first)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_audittreenode SET hash = hash",
        "DELETE FROM audit_audittreenode",
        "UPDATE audit_auditcosignature SET line = line",
        "DELETE FROM audit_witnessedcheckpoint",
    ],
)
def test_the_tables_beside_the_ledger_are_append_only(statement):
    from django.db import DatabaseError, transaction
    from django.utils import timezone

    from casework.audit.models import AuditCheckpoint, AuditCosignature, WitnessedCheckpoint

    add_events(300)
    seal_all(sign=True)
    now = timezone.now()
    AuditCosignature.objects.create(
        checkpoint=AuditCheckpoint.objects.first(), witness_name="w", witness_url="http://w",
        line="\u2014 w AAAA\n", signed_at=now, received_at=now,
    )  # fmt: skip
    WitnessedCheckpoint.objects.create(
        origin="o", tree_size=1, root_hash=b"r", note="n", cosignature="c", received_at=now
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement)


def test_the_key_is_served_without_the_signing_key(reader, settings, tmp_path):
    """Web processes cannot read the signing key in production: /log/key serves the
    configured verifier key, or the one the sealer wrote beside its checkpoints."""
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "absent" / "key.pem")
    settings.DJANGO_ENV = "production"
    (tmp_path / "checkpoints").mkdir(exist_ok=True)
    (tmp_path / "checkpoints" / "verifier.key").write_text("written+00000000+AQ==\n")
    assert fetch(reader, "/log/key").content == b"written+00000000+AQ==\n"
    settings.AUDIT_VERIFIER_KEY = "configured+00000000+AQ=="
    assert fetch(reader, "/log/key").content == b"configured+00000000+AQ==\n"
