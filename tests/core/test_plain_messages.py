"""Messages on pages say what to fix once, in plain words, without the internals behind them
(field names, regular expressions, repeated copies), and bad input never widens a result."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.core.errors import DomainError
from casework.partners.models import Agency
from tests.cases.factories import make_case
from tests.custody.factories import make_store
from tests.partners.factories import make_agency
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def test_an_unknown_case_is_said_once_and_without_the_field_name(client_for, investigator):
    referral = make_referral(actor=investigator)
    response = client_for(investigator).post(
        f"/referrals/{referral.pk}/accept/", {"case": "NORTH-2099-999999"}
    )
    body = response.content.decode()
    assert body.count("No case NORTH-2099-999999 that you can see.") == 1
    assert "case: No case" not in body


@pytest.fixture
def item_form(case_and_store, investigator):
    case, store = case_and_store
    return reverse("custody:item-create", args=[case.number]), {
        "store": store.pk,
        "store_identifier": "DEMS-2026-123456",
        "exhibit_number": "EXH-100",
        "kind": "device",
        "seized_at": "2026-11-20T06:30",
        "time_zone": "Europe/London",
        "seized_place": "Synthetic address 9",
        "seizure_authority": "SW-2026-0099",
        "seized_by": investigator.pk,
    }


@pytest.fixture
def case_and_store(investigator, administrator):
    return make_case(lead=investigator), make_store(admin=administrator)


def test_a_bad_store_identifier_says_what_a_good_one_looks_like(
    client_for, investigator, item_form
):
    url, data = item_form
    body = client_for(investigator).post(url, {**data, "store_identifier": "X-1"}).content
    body = body.decode()
    assert "does not look like an identifier of Synthetic DEMS" in body
    assert "DEMS-1234-123456" in body
    assert r"\d{4}" not in body and "^DEMS" not in body


def test_a_bad_hash_is_said_once(client_for, investigator, item_form):
    url, data = item_form
    response = client_for(investigator).post(
        url, {**data, "hash_algorithm": "sha256", "hash_value": "abc"}
    )
    body = response.content.decode()
    assert body.count("64 hex digits") == 1, body


def test_an_agency_name_that_ends_with_its_country_does_not_repeat_it(investigator):
    agency = make_agency(actor=investigator, name="Example Hotline (IE)", country="IE")
    assert str(agency) == "Example Hotline (IE)"
    other = make_agency(actor=investigator, name="Example Police Service", country="FR")
    assert str(other) == "Example Police Service (FR)"
    assert Agency.objects.count() == 2


def test_the_audit_export_refuses_a_date_it_cannot_read(client_for, auditor):
    response = client_for(auditor).get("/audit/export.csv", {"since": "garbage"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "From (UTC)" in body and "date" in body.lower()
    assert "action" not in body.splitlines()[0]  # not the CSV header of an export


def test_a_search_that_is_too_long_shows_the_error_and_no_cases(client_for, investigator):
    make_case(lead=investigator, title="Synthetic case 0042")
    response = client_for(investigator).get("/cases/", {"q": "x" * 201})
    body = response.content.decode()
    assert "at most 200 characters" in body
    assert "Synthetic case 0042" not in body


def test_a_page_message_carries_no_field_names():
    error = DomainError("No case NORTH-2099-999999 that you can see.", field="case")
    assert error.message == "case: No case NORTH-2099-999999 that you can see."
    assert error.text == "No case NORTH-2099-999999 that you can see."
