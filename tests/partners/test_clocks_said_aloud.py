"""Automatic clocks are said aloud, and never duplicate an open one of the same kind."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from casework.deadlines.models import Deadline
from tests.cases.factories import make_case
from tests.custody.factories import make_item, make_store
from tests.deadlines.factories import make_deadline
from tests.partners.factories import make_agency, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(investigator):
    return make_case(lead=investigator, title="Synthetic case 0042")


@pytest.fixture
def draft(case, investigator, administrator):
    agency = make_agency(actor=administrator, name="Example Provider", country="US")
    return make_request(actor=investigator, agency=agency, case=case, legal_basis="us_2703f")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _send(client, draft):
    return client.post(
        reverse("partners:request-status", args=[draft.pk]),
        {"status": "sent", "at": "", "note": "", "external_reference": ""},
    )


def test_sending_a_preservation_request_says_which_clock_started_and_when(
    draft, investigator, client_for
):
    response = _send(client_for(investigator), draft)
    assert response.status_code == 302, response.content.decode()[:2000]
    clock = Deadline.objects.get(source_type="partners.request", source_id=str(draft.pk))
    said = " ".join(_messages(response))
    assert f"{clock.get_kind_display()} clock started: due " in said
    due = clock.due_at.astimezone(ZoneInfo(clock.time_zone)).strftime("%d %b %Y %H:%M")
    assert due in said


def test_an_open_clock_started_by_hand_is_adopted_not_duplicated(
    draft, case, investigator, client_for
):
    manual = make_deadline(
        actor=investigator,
        case=case,
        kind="preservation_us_2703f",
        due_at=timezone.now() + timedelta(days=80),
    )
    response = _send(client_for(investigator), draft)
    assert response.status_code == 302
    clocks = Deadline.objects.filter(case=case, kind="preservation_us_2703f")
    assert clocks.count() == 1
    manual.refresh_from_db()
    assert (manual.source_type, manual.source_id) == ("partners.request", str(draft.pk))
    said = " ".join(_messages(response))
    assert "already running" in said and "no second clock was started" in said


def test_recording_an_exhibit_says_the_icse_clock_started(
    case, investigator, administrator, client_for
):
    store = make_store(admin=administrator)
    item = make_item(case=case, store=store, actor=investigator)
    (started,) = item.started_clocks
    assert started.adopted is False and started.deadline.kind == "icse_submission"
    assert started.sentence().startswith(started.deadline.get_kind_display() + " clock started")
    # A second exhibit gets its own clock: a clock with another exhibit as source is not adopted.
    other = make_item(case=case, store=store, actor=investigator)
    assert other.started_clocks[0].adopted is False
    assert Deadline.objects.filter(case=case, kind="icse_submission").count() == 2


def test_an_exhibit_adopts_an_icse_clock_started_by_hand(case, investigator, administrator):
    manual = make_deadline(
        actor=investigator,
        case=case,
        kind="icse_submission",
        due_at=timezone.now() + timedelta(days=5),
    )
    item = make_item(case=case, store=make_store(admin=administrator), actor=investigator)
    (adopted,) = item.started_clocks
    assert adopted.adopted and adopted.deadline.pk == manual.pk
    assert Deadline.objects.filter(case=case, kind="icse_submission").count() == 1


# --- the API says the same -------------------------------------------------------------------


def _api_send(api_for, user, draft):
    return api_for(user).post(
        reverse("partners-api:request-status", args=[draft.pk]), {"status": "sent"}, format="json"
    )


def test_the_api_says_which_clock_sending_started_and_when_it_falls_due(
    draft, investigator, api_for
):
    response = _api_send(api_for, investigator, draft)
    assert response.status_code == 200, response.json()
    clock = Deadline.objects.get(source_type="partners.request", source_id=str(draft.pk))
    (said,) = response.json()["started_clocks"]
    assert said["kind"] == clock.kind == "preservation_us_2703f"
    assert said["label"] == clock.get_kind_display()
    assert said["reference"] == str(clock.reference)
    assert said["adopted"] is False
    assert said["time_zone"] == clock.time_zone
    assert datetime.fromisoformat(said["due_at"]) == clock.due_at
    assert said["message"].startswith(f"{clock.get_kind_display()} clock started: due ")
    # The link leads to the clock, which the caller may read.
    detail = api_for(investigator).get(said["url"])
    assert detail.status_code == 200 and detail.json()["reference"] == str(clock.reference)


def test_the_api_says_an_open_clock_was_adopted_not_started(draft, case, investigator, api_for):
    manual = make_deadline(
        actor=investigator,
        case=case,
        kind="preservation_us_2703f",
        due_at=timezone.now() + timedelta(days=80),
    )
    response = _api_send(api_for, investigator, draft)
    (said,) = response.json()["started_clocks"]
    assert said["adopted"] is True and said["reference"] == str(manual.reference)
    assert "no second clock was started" in said["message"]
    assert Deadline.objects.filter(case=case, kind="preservation_us_2703f").count() == 1


def test_a_move_that_starts_no_clock_says_so_with_an_empty_list(draft, investigator, api_for):
    _api_send(api_for, investigator, draft)
    response = api_for(investigator).post(
        reverse("partners-api:request-status", args=[draft.pk]),
        {"status": "acknowledged"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["started_clocks"] == []


def test_recording_an_exhibit_through_the_api_says_the_icse_clock_started(
    case, investigator, administrator, api_for
):
    store = make_store(admin=administrator)
    response = api_for(investigator).post(
        reverse("custody-api:items"),
        {
            "case": case.number,
            "store": store.name,
            "store_identifier": "DEMS-2026-000042",
            "exhibit_number": "EXH-42",
            "kind": "device",
            "seized_at": (timezone.now() - timedelta(hours=3)).isoformat(),
            "seized_place": "Synthetic address 42",
            "seizure_authority": "SW-42",
            "seized_by": investigator.username,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    clock = Deadline.objects.get(case=case, kind="icse_submission")
    (said,) = response.json()["started_clocks"]
    assert said["kind"] == "icse_submission" and said["adopted"] is False
    assert said["reference"] == str(clock.reference)
    assert datetime.fromisoformat(said["due_at"]) == clock.due_at
