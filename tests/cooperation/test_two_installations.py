"""Two installations, two databases, two keys, one pointer-sharing group.

North is this test process (the test database); West is a second installation run as its own
process (``partner_site``) on its own database, migrated from scratch. Each trusts the other's
key, exports its set, imports the other's. A shared identifier matches on both sides; neither
database, nor either file, holds the other's raw values or case number; a tampered, an
unsigned and (after revocation) a revoked partner's set are refused.
"""

from __future__ import annotations

import json
import os

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from casework.cases.services import case_identifier_add
from casework.cooperation import conf
from casework.cooperation.models import PartnerPointer, PointerHit
from casework.partners import key_services
from casework.partners.models import Agency

from .conftest import WEST_ISSUER

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(900)]

SHARED = ("email", "shared_4417@example.com")
NORTH_ONLY = ("email", "north_only_9921@example.com")
WEST_ONLY = ("screen_name", "west_only_3310")


def _text_columns(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN "
        "('text', 'character varying', 'jsonb', 'json', 'character')"
    )
    return cursor.fetchall()


def _tables_holding(cursor, needle: str) -> list[str]:
    """Every table.column whose text holds ``needle`` (case-insensitive)."""
    found = []
    for table, column in _text_columns(cursor):
        cursor.execute(
            f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1', [f"%{needle}%"]
        )
        if cursor.fetchone():
            found.append(f"{table}.{column}")
    return found


def test_two_installations_deconflict_without_disclosing(
    west, tmp_path, shared_case, investigator, administrator
):
    # North holds the shared identifier and one of its own.
    case_identifier_add(actor=investigator, case=shared_case, kind=SHARED[0], raw=SHARED[1])
    case_identifier_add(actor=investigator, case=shared_case, kind=NORTH_ONLY[0], raw=NORTH_ONLY[1])
    # West holds the shared identifier and one of its own.
    seeded = west("seed", json.dumps([list(SHARED), list(WEST_ONLY)]))
    west_case = seeded["case_number"]
    # Each trusts the other's key.
    agency = Agency.objects.create(name="Synthetic Police West", country="IE", kind="police")
    key_services.partner_installation_register(
        actor=administrator, agency=agency, issuer=WEST_ISSUER, public_key=seeded["public_key"]
    )
    west("trust", conf.issuer(), conf.public_key_base64())

    # Exchange files.
    north_file, west_file = tmp_path / "north.jsonl", tmp_path / "west.jsonl"
    call_command("pointers_export", str(north_file), stdout=open(os.devnull, "w"))  # noqa: SIM115
    west("export", str(west_file))
    assert "imported" in west("import", str(north_file))
    call_command("pointers_import", str(west_file), stdout=open(os.devnull, "w"))  # noqa: SIM115

    # The shared identifier matches on both sides, and only it.
    hit = PointerHit.objects.get()
    assert hit.case == shared_case and hit.identifier.normal_value == SHARED[1]
    assert hit.contact_name == "West Desk" and hit.agency == "Synthetic Police West"
    west_hits = west("hits")["hits"]
    assert west_hits == [
        {"case": west_case, "contact": "North Desk", "agency": "Synthetic Police North"}
    ]

    # Nothing of the other side's values or case number, in the files or the databases.
    for path in (north_file, west_file):
        text = path.read_text().lower()
        for secret in (SHARED[1], NORTH_ONLY[1], WEST_ONLY[1], shared_case.number, west_case):
            assert secret.lower() not in text, (path.name, secret)
    with connection.cursor() as cursor:
        assert _tables_holding(cursor, WEST_ONLY[1]) == []
        assert _tables_holding(cursor, west_case) == []
    with psycopg.connect(west.url) as other, other.cursor() as cursor:
        assert _tables_holding(cursor, NORTH_ONLY[1]) == []
        assert _tables_holding(cursor, shared_case.number) == []

    # A tampered set and an unsigned one are refused whole, on either side.
    lines = west_file.read_bytes().split(b"\n")
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(
        b"\n".join(
            [lines[0], lines[1], lines[2].replace(b'"f":"', b'"f":"0', 1)[:-2] + b'"}', *lines[3:]]
        )
    )
    with pytest.raises(CommandError, match=r"tampered.jsonl:\d+: "):
        call_command("pointers_import", str(tampered))
    unsigned = tmp_path / "unsigned.jsonl"
    north_lines = north_file.read_bytes().split(b"\n")
    unsigned.write_bytes(b"\n".join(north_lines[:-2]) + b"\n")
    assert "signature" in west("import", str(unsigned))["refused"]
    assert PartnerPointer.objects.count() == 2  # West's set still stands, untouched

    # Once West is revoked, its set is refused and its pointers are gone.
    key_services.partner_installation_revoke(
        actor=administrator, installation=agency.installation, reason="Agreement ended"
    )
    with pytest.raises(CommandError, match="revoked"):
        call_command("pointers_import", str(west_file))
    assert not PartnerPointer.objects.exists()
