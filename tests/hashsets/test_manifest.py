"""VICS manifests: the counts are kept, the rest refused whole with a located error."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casework.audit.models import AuditEvent
from casework.core.errors import DomainError
from casework.hashsets import services
from casework.hashsets.manifest import MAX_BYTES, ManifestRefused, read_manifest
from casework.hashsets.models import HashSet
from tests.hashsets.factories import make_hash_set, vics_entry, vics_manifest

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_set(item, investigator):
    return make_hash_set(item=item, actor=investigator)


def _line_of(raw: bytes, needle: str) -> int:
    return raw.decode()[: raw.decode().index(needle)].count("\n") + 1


def test_it_fills_the_counts_and_keeps_the_digest_only(empty_set, investigator):
    raw = vics_manifest(
        [
            vics_entry(1, 1),
            vics_entry(2, 1),
            vics_entry(3, 2),
            vics_entry(4, None),
            vics_entry(5, 0),
        ]
    )
    updated = services.hash_set_manifest_import(actor=investigator, hash_set=empty_set, raw=raw)
    assert updated.counts == {"0": 1, "1": 2, "2": 1, "uncategorised": 1}
    assert updated.total == 5
    assert updated.manifest_sha256 == hashlib.sha256(raw).hexdigest()
    assert set(updated.algorithms) == {"md5", "sha1"}
    # No individual hash anywhere in the row or in the audit trail.
    stored = json.dumps(
        list(HashSet.objects.filter(pk=empty_set.pk).values())
        + list(AuditEvent.objects.values("changes", "details")),
        default=str,
    ).lower()
    assert "00000000000000000000000000000001" not in stored
    assert "0000000000000000000000000000000000000003" not in stored


def test_the_same_manifest_again_changes_nothing_and_another_is_refused(empty_set, investigator):
    raw = vics_manifest([vics_entry(1)])
    services.hash_set_manifest_import(actor=investigator, hash_set=empty_set, raw=raw)
    services.hash_set_manifest_import(actor=investigator, hash_set=empty_set, raw=raw)
    with pytest.raises(DomainError) as refused:
        services.hash_set_manifest_import(
            actor=investigator, hash_set=empty_set, raw=vics_manifest([vics_entry(2)])
        )
    assert refused.value.status == 409


def _refused(empty_set, investigator, raw: bytes) -> DomainError:
    with pytest.raises(DomainError) as refused:
        services.hash_set_manifest_import(actor=investigator, hash_set=empty_set, raw=raw)
    empty_set.refresh_from_db()
    assert empty_set.counts == {} and empty_set.manifest_sha256 == ""
    assert not AuditEvent.objects.filter(action="hash_set.manifest_import").exists()
    return refused.value


def test_a_thumbnail_refuses_the_whole_file_at_its_line(empty_set, investigator):
    raw = vics_manifest(
        [vics_entry(1), vics_entry(2), vics_entry(3, Thumbnail="aGVsbG8gd29ybGQ="), vics_entry(4)]
    )
    error = _refused(empty_set, investigator, raw)
    [problem] = error.errors
    assert problem.field == "value[2].Thumbnail"
    line = _line_of(raw, '"Thumbnail"')
    assert problem.message.startswith(f"line {line}:")


@pytest.mark.parametrize(
    "payload",
    [
        {"Media": "AAAA"},
        {"MediaFiles": [{"FileName": "f1", "ThumbnailData": "AAAA"}]},
        {"ImageBase64": "AAAA"},
        {"Comment": "data:image/png;base64,AAAA"},
        {"Note": "A" * 5000},
    ],
)
def test_any_media_or_payload_field_is_refused(empty_set, investigator, payload):
    error = _refused(empty_set, investigator, vics_manifest([vics_entry(1, **payload)]))
    assert error.errors[0].field.startswith("value[0].")


def test_a_malformed_hash_refuses_the_whole_file_at_its_line(empty_set, investigator):
    raw = vics_manifest([vics_entry(1), vics_entry(2, MD5="not-a-hash-value")])
    error = _refused(empty_set, investigator, raw)
    [problem] = error.errors
    assert problem.field == "value[1].MD5"
    line = _line_of(raw, "not-a-hash")
    assert problem.message == f"line {line}: a MD5 hash is 32 hexadecimal characters."


def test_a_file_that_is_not_json_is_refused_at_its_line(empty_set, investigator):
    raw = b'{\n  "value": [\n    {"MD5": "abc",\n  ]\n'
    error = _refused(empty_set, investigator, raw)
    [problem] = error.errors
    assert problem.field == "manifest"
    assert problem.message.startswith("line 4: not JSON")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"[1, 2]", "value"),
        (b'{"value": {}}', "value"),
        (b'{"value": []}', "value"),
        (b'{"value": [{"Category": 1}]}', "value[0]"),
        (b'{"value": [{"Category": 400, "MD5": "' + b"a" * 32 + b'"}]}', "value[0].Category"),
        (b'{"value": [{"Category": true, "MD5": "' + b"a" * 32 + b'"}]}', "value[0].Category"),
        (b'{"value": [NaN]}', "manifest"),
        (b"\xff\xfe{}", "manifest"),
        (b'{"value": [{"MD5": "' + b"a" * 32 + b'"}]}\x00', "manifest"),
    ],
)
def test_other_wrong_shapes_are_refused_with_the_field(raw, field):
    with pytest.raises(ManifestRefused) as refused:
        read_manifest(raw)
    assert refused.value.problems[0].field == field


def test_a_file_over_the_cap_is_refused_before_it_is_parsed():
    with pytest.raises(ManifestRefused) as refused:
        read_manifest(b" " * (MAX_BYTES + 1))
    assert "at most" in refused.value.problems[0].message


def test_the_command_prints_file_line_field_message_and_stores_nothing(
    empty_set, investigator, tmp_path, capsys
):
    path = tmp_path / "export.json"
    raw = vics_manifest([vics_entry(1), vics_entry(2, Thumbnail="AAAA")])
    path.write_bytes(raw)
    with pytest.raises(CommandError, match="refused whole; nothing was stored"):
        call_command(
            "hashset_manifest", str(path), set=str(empty_set.public_id), actor=investigator.username
        )
    line = _line_of(raw, '"Thumbnail"')
    assert f"{path}:{line}: value[1].Thumbnail: media, thumbnails" in capsys.readouterr().err
    empty_set.refresh_from_db()
    assert empty_set.total == 0


def test_the_command_fills_the_counts(empty_set, investigator, tmp_path, capsys):
    path = tmp_path / "export.json"
    path.write_bytes(vics_manifest([vics_entry(1, 3), vics_entry(2, 3)]))
    call_command(
        "hashset_manifest", str(path), set=str(empty_set.public_id), actor=investigator.username
    )
    assert "2 entries (3: 2)" in capsys.readouterr().out
    empty_set.refresh_from_db()
    assert empty_set.counts == {"3": 2}


def test_the_command_refuses_a_set_the_actor_cannot_see(empty_set, outsider, tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(vics_manifest([vics_entry(1)]))
    with pytest.raises(CommandError, match="No such hash set"):
        call_command(
            "hashset_manifest", str(path), set=str(empty_set.public_id), actor=outsider.username
        )
