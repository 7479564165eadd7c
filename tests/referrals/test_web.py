from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from casework.audit.models import AuditEvent
from casework.referrals.models import Referral
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_queue_is_sorted_by_time_left_and_shows_it(client_for, investigator, clock):
    late = make_referral(
        actor=investigator,
        source_reference="LATE",
        priority="P4",
        received_at=NOW - timedelta(hours=1),
    )
    urgent = make_referral(
        actor=investigator,
        source_reference="URGENT",
        priority="P1",
        received_at=NOW - timedelta(hours=30),
    )
    soon = make_referral(
        actor=investigator,
        source_reference="SOON",
        priority="P1",
        received_at=NOW - timedelta(hours=20),
    )
    page = client_for(investigator).get("/referrals/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("URGENT") < text.index("SOON") < text.index("LATE")
    assert "overdue by 6 h 0 min" in text
    assert "4 h 0 min left" in text
    assert [r.pk for r in page.context["referrals"]] == [urgent.pk, soon.pk, late.pk]


def test_the_queue_filters(client_for, investigator, clock):
    make_referral(
        actor=investigator,
        source_reference="A",
        priority="P1",
        source_kind="hotline",
        received_at=NOW - timedelta(hours=30),
    )
    make_referral(
        actor=investigator,
        source_reference="B",
        priority="P2",
        received_at=NOW - timedelta(hours=1),
    )
    client = client_for(investigator)

    def refs(query):
        return [r.source_reference for r in client.get("/referrals/", query).context["referrals"]]

    assert refs({"priority": "P1"}) == ["A"]
    assert refs({"source_kind": "industry"}) == ["B"]
    assert refs({"overdue": "on"}) == ["A"]
    assert refs({"status": "declined"}) == []


def test_the_queue_pages_with_a_keyset_in_bounded_queries(
    client_for, investigator, django_assert_max_num_queries, clock
):
    for n in range(55):
        make_referral(actor=investigator, received_at=NOW - timedelta(minutes=n))
    client = client_for(investigator)
    client.get("/referrals/")  # warm the session and the navigation cache
    with django_assert_max_num_queries(12):
        first = client.get("/referrals/")
    assert len(first.context["referrals"]) == 50
    second = client.get("/referrals/?" + first.context["next_query"])
    assert len(second.context["referrals"]) == 5
    seen = {r.pk for r in first.context["referrals"]} | {r.pk for r in second.context["referrals"]}
    assert len(seen) == 55


def test_the_outsider_sees_none_of_north_s_referrals(client_for, investigator, outsider):
    make_referral(actor=investigator, source_reference="NORTH-ONLY")
    page = client_for(outsider).get("/referrals/", {"status": "all"})
    assert page.status_code == 200
    assert "NORTH-ONLY" not in page.content.decode()
    home = client_for(outsider).get("/")
    assert "0 new and 0 in triage" in home.content.decode()


def test_the_detail_page_is_audited(client_for, investigator):
    referral = make_referral(actor=investigator)
    page = client_for(investigator).get(f"/referrals/{referral.pk}/")
    assert page.status_code == 200
    assert referral.source_reference in page.content.decode()
    assert AuditEvent.objects.filter(action="referral.view", object_id=str(referral.pk)).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/referrals/{pk}/",
        "/referrals/{pk}/triage/",
        "/referrals/{pk}/priority/",
        "/referrals/{pk}/accept/",
        "/referrals/{pk}/decline/",
        "/referrals/{pk}/refer-out/",
        "/referrals/{pk}/identifiers/",
    ],
)
def test_every_referral_route_is_404_for_an_outsider(client_for, investigator, outsider, path):
    referral = make_referral(actor=investigator)
    client = client_for(outsider)
    url = path.format(pk=referral.pk)
    response = (
        client.get(url)
        if path == "/referrals/{pk}/"
        else client.post(
            url,
            {
                "reason": "x",
                "agency_name": "x",
                "priority": "P1",
                "kind": "email",
                "value": "a@example.invalid",
            },
        )
    )
    assert response.status_code == 404
    assert Referral.objects.get().status == "new"


def test_an_auditor_has_no_referral_pages(client_for, auditor, investigator):
    referral = make_referral(actor=investigator)
    client = client_for(auditor)
    assert client.get("/referrals/").status_code == 404
    assert client.get("/referrals/new/").status_code == 404
    assert client.get("/referrals/export.csv").status_code == 404
    assert client.get(f"/referrals/{referral.pk}/").status_code == 404


def test_the_intake_form_records_a_referral(client_for, investigator):
    data = {
        "source_kind": "hotline",
        "source_agency": "Example Hotline",
        "source_reference": "HL-77",
        "received_at": "2026-03-01T10:00",
        "priority": "P2",
        "summary": "Synthetic referral 0077.",
        "identifiers-TOTAL_FORMS": "3",
        "identifiers-INITIAL_FORMS": "0",
        "identifiers-0-kind": "",
        "identifiers-0-value": "",
        "identifiers-1-kind": "phone",
        "identifiers-1-value": "+44 7700 900077",
        "identifiers-2-kind": "",
        "identifiers-2-value": "",
    }
    response = client_for(investigator).post("/referrals/new/", data)
    referral = Referral.objects.get(source_reference="HL-77")
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"
    assert [i.normal for i in referral.identifiers.all()] == ["+447700900077"]
    assert referral.channel == "web"


def test_the_intake_form_shows_errors_on_the_identifier_row(client_for, investigator):
    data = {
        "source_kind": "hotline",
        "source_agency": "Example Hotline",
        "source_reference": "HL-78",
        "received_at": "2026-03-01T10:00",
        "priority": "P2",
        "identifiers-TOTAL_FORMS": "2",
        "identifiers-INITIAL_FORMS": "0",
        "identifiers-0-kind": "",
        "identifiers-0-value": "",
        "identifiers-1-kind": "ip_address",
        "identifiers-1-value": "999.1.1.1",
    }
    response = client_for(investigator).post("/referrals/new/", data)
    assert response.status_code == 400
    formset = response.context["formset"]
    assert "is not an IPv4 or IPv6 address" in formset.forms[1].errors["value"][0]
    assert not Referral.objects.exists()


def test_a_duplicate_from_the_form_goes_to_the_original(client_for, investigator):
    original = make_referral(
        actor=investigator, source_agency="Example Hotline", source_reference="HL-79"
    )
    data = {
        "source_kind": "hotline",
        "source_agency": "Example Hotline",
        "source_reference": "HL-79",
        "received_at": "2026-03-01T10:00",
        "priority": "P2",
        "identifiers-TOTAL_FORMS": "0",
        "identifiers-INITIAL_FORMS": "0",
    }
    response = client_for(investigator).post("/referrals/new/", data)
    assert response["Location"] == f"/referrals/{original.pk}/"
    assert Referral.objects.count() == 1


def test_triage_through_the_pages(client_for, investigator):
    referral = make_referral(actor=investigator)
    client = client_for(investigator)
    assert client.post(f"/referrals/{referral.pk}/triage/").status_code == 302
    refused = client.post(f"/referrals/{referral.pk}/decline/", {"reason": ""})
    assert refused.status_code == 400
    response = client.post(f"/referrals/{referral.pk}/accept/", {"title": "Synthetic"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.case.title == "Synthetic"
    again = client.post(f"/referrals/{referral.pk}/decline/", {"reason": "Late."})
    assert again.status_code == 400
    assert "triage has ended" in again.content.decode()


def test_accepting_into_an_unknown_case_says_so(client_for, investigator):
    referral = make_referral(actor=investigator)
    response = client_for(investigator).post(
        f"/referrals/{referral.pk}/accept/", {"case": "SOUTH-2026-000001"}
    )
    assert response.status_code == 400
    assert "No case SOUTH-2026-000001 that you can see" in response.content.decode()


def test_the_export_is_formula_safe_audited_and_need_to_know(client_for, investigator, outsider):
    make_referral(actor=investigator, source_agency="=HYPERLINK(1)", source_reference="@X")
    response = client_for(investigator).get("/referrals/export.csv")
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1)" in body and ",'@X," in body
    assert AuditEvent.objects.filter(action="referral.export").exists()
    other = client_for(outsider).get("/referrals/export.csv")
    assert b"HYPERLINK" not in b"".join(other.streaming_content)


def test_the_detail_page_runs_a_bounded_number_of_queries(
    client_for, investigator, django_assert_max_num_queries
):
    referral = make_referral(
        actor=investigator,
        identifiers=[{"kind": "email", "value": f"user_{n}@example.invalid"} for n in range(12)],
    )
    client = client_for(investigator)
    client.get(f"/referrals/{referral.pk}/")
    with django_assert_max_num_queries(14):
        response = client.get(f"/referrals/{referral.pk}/")
    assert response.content.decode().count("@example.invalid") >= 12
