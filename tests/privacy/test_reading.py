"""Pages and the API decrypt with one query for the keys of everything they show: the number of
queries does not grow with the identifiers, and someone who may not see the case gets a 404
before any key is read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.cases.services import case_identifier_add
from tests.cases.factories import make_case
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(1 for q in captured.captured_queries if "privacy_datakey" in q["sql"])


def test_the_identifiers_page_reads_the_keys_once_however_many_identifiers(
    investigator, client_for, api_for
):
    case = make_case(lead=investigator)
    case_identifier_add(actor=investigator, case=case, kind="email", raw="first@x.example")
    client, api = client_for(investigator), api_for(investigator)
    page, listing = (
        f"/cases/{case.number}/identifiers/",
        f"/api/v1/cases/{case.number}/identifiers/",
    )
    few = (_queries(client, page), _queries(api, listing))
    for n in range(8):
        case_identifier_add(actor=investigator, case=case, kind="email", raw=f"n{n}@x.example")
    assert (_queries(client, page), _queries(api, listing)) == few == (1, 1)
    body = client.get(page).content.decode()
    assert "n7@x.example" in body and "first@x.example" in body


def test_the_referral_page_shows_its_identifiers_in_clear_to_its_unit(investigator, client_for):
    referral = make_referral(actor=investigator)
    value = referral.identifiers.get().raw
    assert client_for(investigator).get(f"/referrals/{referral.pk}/").content.decode().count(value)


def test_an_outsider_gets_a_404_and_no_key_is_read(investigator, outsider, client_for):
    case = make_case(lead=investigator)
    case_identifier_add(actor=investigator, case=case, kind="email", raw="secret@x.example")
    with CaptureQueriesContext(connection) as captured:
        response = client_for(outsider).get(f"/cases/{case.number}/identifiers/")
    assert response.status_code == 404
    assert not [q for q in captured.captured_queries if "privacy_datakey" in q["sql"]]
