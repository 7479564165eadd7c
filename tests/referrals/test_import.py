from __future__ import annotations

import errno
import json

import pytest
from django.core.management import CommandError, call_command

from casework.audit.models import AuditEvent
from casework.core import events
from casework.core.csv import neutralise
from casework.referrals.importing import import_referrals_file
from casework.referrals.models import DuplicateArrival, Referral, ReferralIdentifier
from casework.referrals.synthetic import csv_text, synthetic_row, write_csv, write_jsonl
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def _jsonl(tmp_path, rows, name="referrals.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_it_imports_a_json_lines_file(tmp_path, north, investigator, published):
    bulk = published(events.ReferralsReceivedBulk)
    path = tmp_path / "in.jsonl"
    write_jsonl(path, 20)
    result = import_referrals_file(path, unit=north, actor=investigator, dry_run=False)
    assert result.ok, result.error_lines()
    assert (result.rows, result.imported, result.identifiers) == (20, 20, 60)
    assert Referral.objects.filter(unit=north, channel="import").count() == 20
    assert ReferralIdentifier.objects.count() == 60
    referral = Referral.objects.get(source_reference="SYN-0000001")
    assert referral.triage_due_at is not None and referral.created_by == investigator
    assert referral.identifiers.get(kind="email").normal == "user_1@example.invalid"
    assert sorted(bulk[0].referral_ids) == sorted(result.referral_ids)
    assert AuditEvent.objects.get(action="referral.import").details["imported"] == 20


def test_it_imports_the_same_rows_from_csv(tmp_path, north):
    path = tmp_path / "in.csv"
    write_csv(path, 12)
    result = import_referrals_file(path, unit=north, actor=None, dry_run=False)
    assert result.ok, result.error_lines()
    assert (result.imported, result.identifiers) == (12, 36)
    phone = ReferralIdentifier.objects.filter(kind="phone").first()
    assert phone.raw.startswith("+44") and phone.normal.startswith("+447700")


def test_a_file_is_sniffed_when_it_has_no_known_extension(tmp_path, north):
    path = tmp_path / "export.txt"
    path.write_text(csv_text([synthetic_row(1)]), encoding="utf-8")
    assert import_referrals_file(path, unit=north, actor=None, dry_run=False).imported == 1


def test_one_bad_row_rejects_the_whole_file_with_every_error(tmp_path, north):
    rows = [synthetic_row(n) for n in range(1, 6)]
    rows[1]["priority"] = "P7"
    rows[3]["received_at"] = "2026-13-01T00:00:00Z"
    rows[3]["identifiers"][0]["value"] = "nobody"
    path = _jsonl(tmp_path, rows)
    result = import_referrals_file(path, unit=north, actor=None, dry_run=False)
    assert not result.ok
    assert result.error_lines() == [
        f"{path}:2: priority: 'P7' is not a priority: use P1 to P4.",
        f"{path}:4: received_at: '2026-13-01T00:00:00Z' is not a date and time: use ISO 8601, "
        "e.g. 2026-03-01T09:30:00Z.",
        f"{path}:4: identifiers[0].value: 'nobody' is not an e-mail address.",
    ]
    assert not Referral.objects.exists()


def test_csv_errors_name_the_line_and_column(tmp_path, north):
    second = synthetic_row(2)
    second["source_kind"] = "gossip"
    path = tmp_path / "in.csv"
    path.write_text(csv_text([synthetic_row(1), second]), encoding="utf-8")
    result = import_referrals_file(path, unit=north, actor=None, dry_run=False)
    assert [(e.line, e.field) for e in result.errors] == [(3, "source_kind")]


def test_unknown_columns_and_bad_json_are_errors(tmp_path, north):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("source_kind,colour\nindustry,blue\n", encoding="utf-8")
    assert import_referrals_file(csv_path, unit=north, actor=None).error_lines() == [
        f"{csv_path}:1: colour: unknown column."
    ]
    json_path = tmp_path / "in.jsonl"
    json_path.write_text('{"source_kind": "industry"\n', encoding="utf-8")
    assert import_referrals_file(json_path, unit=north, actor=None).errors[0].line == 1


def test_a_dry_run_validates_and_writes_nothing(tmp_path, north):
    path = tmp_path / "in.jsonl"
    write_jsonl(path, 5)
    result = import_referrals_file(path, unit=north, actor=None, dry_run=True)
    assert result.ok and result.imported == 5
    assert not Referral.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="referral").exists()


def test_duplicates_are_reported_linked_and_not_imported(tmp_path, north, investigator):
    existing = make_referral(
        actor=investigator,
        source_agency="Example Service Provider",
        source_reference="SYN-0000006",
    )
    rows = [synthetic_row(n) for n in range(1, 7)]  # row 6 is industry, SYN-0000006
    rows.append(dict(rows[0]))
    path = _jsonl(tmp_path, rows)
    result = import_referrals_file(path, unit=north, actor=None, dry_run=False)
    assert result.ok and result.imported == 5
    assert [(d.line, d.reason) for d in result.duplicates] == [
        (6, f"already recorded (referral {existing.pk})"),
        (7, "repeats line 1"),
    ]
    assert Referral.objects.count() == 6
    assert DuplicateArrival.objects.filter(referral=existing).count() == 1
    original = Referral.objects.get(source_reference="SYN-0000001")
    assert DuplicateArrival.objects.filter(referral=original).count() == 1


def test_the_command_prints_errors_and_exits_non_zero(tmp_path, north, capsys):
    rows = [synthetic_row(1)]
    rows[0]["source_agency"] = ""
    path = _jsonl(tmp_path, rows)
    with pytest.raises(CommandError, match="rejected, nothing written"):
        call_command("import_referrals", str(path), "--unit", "north")
    assert f"{path}:1: source_agency: Name the agency" in capsys.readouterr().err
    assert not Referral.objects.exists()


def test_the_command_reports_a_summary(tmp_path, north, capsys):
    path = tmp_path / "in.jsonl"
    write_jsonl(path, 3)
    call_command("import_referrals", str(path), "--unit", "north")
    assert "3 row(s) read, imported 3 referral(s) with 9 identifier(s)" in capsys.readouterr().out


def test_the_command_needs_a_unit_when_there_are_several(tmp_path, north, south):
    path = tmp_path / "in.jsonl"
    write_jsonl(path, 1)
    with pytest.raises(CommandError, match="--unit"):
        call_command("import_referrals", str(path))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+44 7700", "'+44 7700"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
    ],
)
def test_csv_cells_that_would_run_as_formulas_are_neutralised(cell, written):
    assert neutralise(cell) == written


DOCS = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs"


def test_the_documented_examples_match_the_schema_and_import(north):
    import jsonschema

    schema = json.loads((DOCS / "schemas" / "referral-import.schema.json").read_text())
    lines = (DOCS / "examples" / "referrals-example.jsonl").read_text().splitlines()
    for line in lines:
        jsonschema.validate(json.loads(line), schema)
    for name in ("referrals-example.jsonl", "referrals-example.csv"):
        result = import_referrals_file(DOCS / "examples" / name, unit=north, dry_run=True)
        assert result.ok and result.imported == len(lines), result.error_lines()


def test_a_bad_row_in_a_later_batch_undoes_the_batches_already_written(
    tmp_path, north, monkeypatch
):
    from casework.referrals import importing

    monkeypatch.setattr(importing, "CHUNK", 2)  # rows 1-4 are written before row 5 is read
    rows = [synthetic_row(n) for n in range(1, 8)]
    rows[4]["priority"] = "P0"
    path = _jsonl(tmp_path, rows)
    for dry_run in (True, False):
        result = import_referrals_file(path, unit=north, actor=None, dry_run=dry_run)
        assert [(e.line, e.field) for e in result.errors] == [(5, "priority")]
    assert not Referral.objects.exists()
    assert not ReferralIdentifier.objects.exists()
    del rows[4]
    path = _jsonl(tmp_path, rows, name="ok.jsonl")
    result = import_referrals_file(path, unit=north, actor=None, dry_run=False)
    assert result.ok and result.imported == 6
    assert sorted(result.referral_ids) == sorted(Referral.objects.values_list("id", flat=True))


def test_an_unreadable_file_is_a_located_error_not_a_traceback(tmp_path, north, monkeypatch):
    path = tmp_path / "locked.jsonl"
    path.write_text("{}\n", encoding="utf-8")

    def refuse(self):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(type(path), "read_bytes", refuse)
    result = import_referrals_file(path, unit=north, actor=None)
    assert result.error_lines() == [f"{path}:0: file: cannot be read (Permission denied)."]


def test_every_line_that_is_not_utf8_is_named(tmp_path, north):
    good = json.dumps(synthetic_row(1)).encode()
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b"\r\n".join([good, b'{"source_agency": "Caf\xe9"}', good, b"\xff\xfe"]))
    result = import_referrals_file(path, unit=north, actor=None, dry_run=True)
    assert [(e.line, e.field) for e in result.errors if "UTF-8" in e.message] == [
        (2, "row"),
        (4, "row"),
    ]


def test_a_write_that_fails_half_way_leaves_nothing_and_no_thread_behind(
    tmp_path, north, monkeypatch
):
    import threading

    from casework.referrals import bulk, importing

    monkeypatch.setattr(importing, "CHUNK", 2)
    calls = []
    real_copy = bulk.copy_rows

    def failing_copy(*args, **kwargs):
        calls.append(args[0])
        if len(calls) > 2:  # the second batch's referrals
            raise RuntimeError("the database went away")
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(bulk, "copy_rows", failing_copy)
    path = _jsonl(tmp_path, [synthetic_row(n) for n in range(1, 30)])
    with pytest.raises(RuntimeError):
        import_referrals_file(path, unit=north, actor=None)
    assert not Referral.objects.exists()
    assert not any(t.name == "import-validate" for t in threading.enumerate())
