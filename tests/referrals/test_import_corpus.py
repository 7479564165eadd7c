"""A corpus of bad import files: each is refused whole, with its exact located error, by the real
run and the dry run alike, and writes nothing (issue 23).

``import_corpus/`` holds one small file per defect class (JSON Lines and CSV). Every file starts
with a good row, so "nothing written" means the whole file was refused, not just the bad row.
``import_corpus/expected.txt`` is the contract: ``FILE:LINE: field: message`` for each error of
each file, as the command prints it, in order. To add a class, add a file and its lines there.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from casework.audit.models import AuditEvent
from casework.referrals.models import DuplicateArrival, Referral, ReferralIdentifier

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "import_corpus"
# The files' "future" and "past" are relative to this moment.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _expected() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in (CORPUS / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, located = line.split(":", 1)
            table.setdefault(name, []).append(located)
    return table


EXPECTED = _expected()


def _run(path: Path, *, dry_run: bool) -> tuple[CommandError, list[str], str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    arguments = [str(path), "--unit", "north", "--no-progress"]
    if dry_run:
        arguments.append("--dry-run")
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError) as refused:
        call_command("import_referrals", *arguments, stdout=stdout, stderr=stderr)
    return refused.value, stderr.getvalue().splitlines(), stdout.getvalue()


def test_every_file_in_the_corpus_has_its_expected_errors():
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".jsonl", ".csv")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bad_file_is_refused_at_its_line_and_nothing_is_written(north, name):
    path = CORPUS / name
    expected = [f"{path}:{located}" for located in EXPECTED[name]]
    for dry_run in (False, True):
        error, lines, stdout = _run(path, dry_run=dry_run)
        assert error.returncode == 1
        assert lines == expected, f"dry_run={dry_run}"
        assert "rejected, nothing written" in str(error)
        assert "Traceback" not in stdout + "".join(lines)
        assert "import" not in stdout  # neither "imported" nor "would import"
    assert not Referral.objects.exists()
    assert not ReferralIdentifier.objects.exists()
    assert not DuplicateArrival.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="referral").exists()


SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "referral-import.schema.json"


@pytest.mark.parametrize(
    "name",
    [
        "agency_object",
        "agency_two_lines",
        "bidi_override_in_agency",
        "escape_sequence_in_summary",
        "identifier_unknown_key",
        "incident_type_boolean",
        "incident_type_integer",
        "nul_in_identifier",
        "nul_in_summary",
        "port_boolean",
        "port_fraction",
        "port_out_of_range",
        "reference_number",
        "summary_too_long",
        "unknown_field",
    ],
)
def test_the_published_schema_refuses_what_the_import_refuses(name):
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    good, bad = (CORPUS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    assert validator.is_valid(json.loads(good))
    assert not validator.is_valid(json.loads(bad))
