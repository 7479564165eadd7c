"""Input that PostgreSQL refuses, or that breaks pages once stored, is refused at every door.

The web form, the API and the import share ``casework.referrals.validation``; these tests are the
web and API side of issue 23 (the import side is ``test_import_corpus.py``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine

from casework.referrals.models import Referral
from tests.referrals.test_api import BODY

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _errors(response) -> dict[str, str]:
    # The serializer names nested fields "identifiers.0.port", the service "identifiers[0].port".
    return {
        re.sub(r"\.(\d+)\.", r"[\1].", e["field"] or ""): e["message"]
        for e in response.data["errors"]
    }


def _form(**overrides):
    data = {
        "source_kind": "hotline",
        "source_agency": "Example Hotline",
        "source_reference": "HL-90",
        "received_at": "2026-03-01T10:00",
        "priority": "P2",
        "identifiers-TOTAL_FORMS": "1",
        "identifiers-INITIAL_FORMS": "0",
        "identifiers-0-kind": "",
        "identifiers-0-value": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("received_at", "0001-01-01T00:00:00+05:00", "1970-01-01"),
        ("received_at", "1969-12-31T23:00:00Z", "on or after 1970-01-01"),
        ("received_at", "2026-03-11T12:00:00Z", "cannot be in the future"),
        ("incident_at", "0001-01-01T00:00:00+05:00", "1970-01-01"),
        ("incident_at", "1900-01-01T00:00:00Z", "on or after 1970-01-01"),
    ],
)
def test_the_api_refuses_an_implausible_time(api_for, investigator, field, value, message):
    response = api_for(investigator).post(
        "/api/v1/referrals/", {**BODY, field: value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    errors = _errors(response)
    assert message in errors[field]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0001-01-01T00:00:00+05:00", "1970-01-01"),
        ("2026-03-11T12:00:00Z", "cannot be in the future"),
    ],
)
def test_the_api_refuses_an_implausible_observed_time(api_for, investigator, value, message):
    identifier = {"kind": "ip_address", "value": "192.0.2.10", "observed_at": value}
    response = api_for(investigator).post(
        "/api/v1/referrals/", {**BODY, "identifiers": [identifier]}, format="json"
    )
    assert response.status_code == 400, response.content
    errors = _errors(response)
    assert message in errors["identifiers[0].observed_at"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("received_at", "0001-01-01T00:00", "on or after 1970-01-01"),
        ("received_at", "1960-05-01T10:00", "on or after 1970-01-01"),
        ("received_at", "2026-04-01T10:00", "cannot be in the future"),
        ("incident_at", "0001-01-01T00:00", "on or after 1970-01-01"),
    ],
)
def test_the_web_form_refuses_an_implausible_time(client_for, investigator, field, value, message):
    response = client_for(investigator).post("/referrals/new/", _form(**{field: value}))
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field]), (
        response.context["form"].errors
    )
    assert not Referral.objects.exists()


def test_the_web_form_refuses_a_future_observed_time(client_for, investigator):
    data = _form(
        **{
            "identifiers-0-kind": "ip_address",
            "identifiers-0-value": "192.0.2.10",
            "identifiers-0-observed_at": "2026-05-01T10:00",
        }
    )
    response = client_for(investigator).post("/referrals/new/", data)
    assert response.status_code == 400
    errors = response.context["formset"].forms[0].errors
    assert "This cannot be in the future." in errors["observed_at"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize("url", ["http://[x", "https://[::1/u"])
def test_the_api_refuses_a_profile_url_with_a_broken_bracket(api_for, investigator, url):
    body = {**BODY, "identifiers": [{"kind": "profile_url", "value": url}]}
    response = api_for(investigator).post("/api/v1/referrals/", body, format="json")
    assert response.status_code == 400, response.content
    errors = _errors(response)
    assert "is not a web address" in errors["identifiers[0].value"]
    assert not Referral.objects.exists()


def test_adding_a_profile_url_with_a_broken_bracket_to_a_referral_is_refused(api_for, investigator):
    created = api_for(investigator).post("/api/v1/referrals/", BODY, format="json")
    response = api_for(investigator).post(
        f"/api/v1/referrals/{created.data['id']}/identifiers/",
        {"kind": "profile_url", "value": "http://[x"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.data["errors"][0]["field"] == "value"


def test_the_web_form_refuses_a_profile_url_with_a_broken_bracket(client_for, investigator):
    data = _form(**{"identifiers-0-kind": "profile_url", "identifiers-0-value": "http://[x"})
    response = client_for(investigator).post("/referrals/new/", data)
    assert response.status_code == 400
    errors = response.context["formset"].forms[0].errors
    assert "is not a web address" in errors["value"][0]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"incident_type": 1}, "incident_type"),
        ({"summary": "Synthetic\x1b[2J referral."}, "summary"),
        ({"source_agency": "Example \u202eProvider"}, "source_agency"),
        (
            {"identifiers": [{"kind": "ip_address", "value": "192.0.2.1", "port": 80.7}]},
            "identifiers[0].port",
        ),
    ],
)
def test_the_api_refuses_what_the_import_refuses(api_for, investigator, body, field):
    response = api_for(investigator).post("/api/v1/referrals/", {**BODY, **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in _errors(response)
    assert not Referral.objects.exists()
