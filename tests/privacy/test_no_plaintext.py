"""An identifier added through the services is nowhere in clear: not in any text, varchar,
jsonb or bytea column of any table (ledger included), not in a pg_dump, not as a plain
SHA-256; yet deconfliction and search still find it by value. The same holds for the free
text docs/privacy.md lists as encrypted (subjects' descriptions, victims' references, notes),
which the case's people still read in clear on the pages and in the API."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from casework.cases.deconfliction import identifier_deconflict
from casework.cases.services import (
    case_identifier_add,
    case_note_add,
    case_subject_add,
    victim_record_update,
    victim_safeguarding_add,
)
from tests.cases.factories import make_case
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db(transaction=True)

VALUE = "Unique_7f3a9c41@Example.invalid"
NORMAL = VALUE.lower()


def _needles() -> list[str]:
    digests = [
        hashlib.sha256(text.encode()).hexdigest()
        for text in (VALUE, NORMAL, f"email\x00{NORMAL}", f"email:{NORMAL}")
    ]
    return [VALUE, NORMAL, "unique_7f3a9c41", *digests]


def _columns() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.table_name, c.column_name, c.data_type
                 FROM information_schema.columns c
                 JOIN information_schema.tables t
                   ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND c.data_type IN ('text', 'character varying', 'jsonb', 'bytea')"""
        )
        return cursor.fetchall()


def _found_in_columns(needle: str) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table, column, data_type in _columns():
            if data_type == "bytea":
                condition = (
                    f"position(%s::bytea in lower(encode(\"{column}\", 'escape'))::bytea) > 0"
                )
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NOT NULL AND '
                    f"({condition} OR encode(\"{column}\", 'hex') = %s)",
                    [needle.lower().encode(), needle],
                )
            else:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',
                    [f"%{needle}%"],
                )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def _pg_dump() -> str:
    db = connection.settings_dict
    try:
        import pgserver

        binary = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
    except ImportError:
        binary = None
    if binary is None or not binary.exists():
        binary = shutil.which("pg_dump")
    if binary is None:
        pytest.skip("no pg_dump on this machine")
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    args = [str(binary), "--data-only", "--no-owner", "-d", db["NAME"]]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host")
    if host:
        args += ["-h", host]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_it_keeps_no_identifier_value_in_clear_anywhere(
    investigator, teammate, outsider, client_for
):
    north_case = make_case(lead=investigator, assignees=[teammate], title="Synthetic case north")
    south_case = make_case(lead=outsider, title="Synthetic case south")
    case_identifier_add(actor=outsider, case=south_case, kind="email", raw=VALUE)
    added = case_identifier_add(actor=investigator, case=north_case, kind="email", raw=VALUE)
    assert len(added.matches) == 1  # deconfliction found the other case by value
    make_referral(actor=investigator, identifiers=[{"kind": "email", "value": VALUE}])
    # Search by value: the case page's search and the search box both find it.
    client = client_for(investigator)
    response = client.get("/search/", {"q": VALUE.upper()})
    assert response.status_code == 200
    groups = {group.kind: group for group in response.context["results"].groups}
    assert [hit.reference for hit in groups["case_identifiers"].hits] == [VALUE]
    assert [hit.reference for hit in groups["referral_identifiers"].hits] == [VALUE]
    # Deconfliction by value, again (a lookup without adding).
    matches = identifier_deconflict(actor=investigator, kind="email", normal_value=NORMAL)
    assert {m.unit_code for m in matches} == {"north", "south"}
    # The page decrypts for the lead.
    page = client.get(f"/cases/{north_case.number}/identifiers/")
    assert VALUE in page.content.decode()

    for needle in _needles():
        assert _found_in_columns(needle) == [], needle
    dump = _pg_dump().lower()
    for needle in _needles():
        assert needle.lower() not in dump, needle


TEXTS = {
    "description": "Holder of account zq_desc_8c21",
    "icse_reference": "ICSE-ZQ-8c21",
    "national_reference": "NAT-ZQ-8c21",
    "note": "Synthetic call with zq_note_8c21",
    "safeguarding": "Synthetic visit zq_safe_8c21",
}


def test_it_keeps_no_protected_text_in_clear_anywhere(investigator, outsider, client_for, api_for):
    case = make_case(lead=investigator, title="Synthetic case texts")
    subject = case_subject_add(
        actor=investigator, case=case, role="victim", description=TEXTS["description"]
    )
    victim_record_update(
        actor=investigator,
        victim=subject.victim_record,
        icse_reference=TEXTS["icse_reference"],
        national_reference=TEXTS["national_reference"],
    )
    case_note_add(actor=investigator, case=case, body=TEXTS["note"])
    victim_safeguarding_add(
        actor=investigator, victim=subject.victim_record, action=TEXTS["safeguarding"]
    )

    # The case's people read them in clear: pages and the API.
    client, api = client_for(investigator), api_for(investigator)
    assert TEXTS["description"] in client.get(f"/cases/{case.number}/subjects/").content.decode()
    assert TEXTS["note"] in client.get(f"/cases/{case.number}/notes/").content.decode()
    victims = client.post(f"/cases/{case.number}/victims/", {"reason": "Checking references"})
    assert TEXTS["icse_reference"] in victims.content.decode()
    assert TEXTS["national_reference"] in victims.content.decode()
    assert TEXTS["safeguarding"] in victims.content.decode()
    notes = api.get(f"/api/v1/cases/{case.number}/notes/").json()["results"]
    assert [n["body"] for n in notes] == [TEXTS["note"]]
    subjects = api.get(f"/api/v1/cases/{case.number}/subjects/").json()
    assert [s["description"] for s in subjects] == [TEXTS["description"]]
    # Someone who may not see the case gets a 404, not the text.
    assert client_for(outsider).get(f"/cases/{case.number}/notes/").status_code == 404

    for name, text in TEXTS.items():
        assert _found_in_columns(text) == [], name
    dump = _pg_dump().lower()
    for name, text in TEXTS.items():
        assert text.lower() not in dump, name
