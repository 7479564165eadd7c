"""The case chronology: one row per action, in words, from the audit ledger."""

from __future__ import annotations

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from casework.accounts.services import sign_in_succeeded
from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.chronology import chronology_page
from casework.core.services import heartbeat_record
from casework.partners import services as partners
from tests.partners.factories import make_agency, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_case(north_case, investigator, administrator):
    investigator.first_name, investigator.last_name = "Alex", "Northcott"
    investigator.save(update_fields=["first_name", "last_name"])
    agency = make_agency(actor=administrator, name="Example Provider", country="IE")
    request = make_request(actor=investigator, agency=agency, case=north_case)
    partners.request_send(actor=investigator, request=request)
    services.case_note_add(actor=investigator, case=north_case, body="Synthetic note 0042")
    subject = services.case_subject_add(actor=investigator, case=north_case, role="victim")
    services.victim_record_update(
        actor=investigator, victim=subject.victim_record, identification="identified"
    )
    return north_case


def _texts(client, case, **query):
    response = client.get(reverse("cases:chronology", args=[case.number]), query)
    assert response.status_code == 200
    return response


def test_it_tells_each_action_once_in_plain_words_newest_first(busy_case, investigator):
    page = chronology_page(user=investigator, case=busy_case)
    lines = [f"{e.actor} {e.text}" for e in page.entries]
    assert "Alex Northcott sent a preservation request to Example Provider (IE)" in lines
    assert lines.count("Alex Northcott sent a preservation request to Example Provider (IE)") == 1
    assert lines[-1] == "Alex Northcott opened the case"
    moments = [e.occurred_at for e in page.entries]
    assert moments == sorted(moments, reverse=True)
    sent = next(e for e in page.entries if e.text.startswith("sent a preservation"))
    assert sent.url.startswith("/partners/requests/")


def test_it_shows_no_system_rows(busy_case, investigator, client_for):
    sign_in_succeeded(user=investigator)
    heartbeat_record(component="worker")
    client = client_for(investigator)
    client.get(reverse("cases:detail", args=[busy_case.number]))  # page views: case.view
    client.get(reverse("cases:notes", args=[busy_case.number]))
    page = _texts(client, busy_case).content.decode().lower()
    body = page[page.index("<table") : page.index("</table>")]
    for noise in (
        "auth.",
        "sign_in",
        "heartbeat",
        "case: view",
        "record: create",
        "last_login",
    ):
        assert noise not in body
    entries = chronology_page(user=investigator, case=busy_case).entries
    texts = [e.text for e in entries]
    assert not any("viewed" in t or "view:" in t for t in texts)
    # The ledger also holds each change captured row by row; the chronology tells it once.
    assert AuditEvent.objects.filter(case_id=busy_case.pk, source="database").exists()
    assert texts.count("added a note") == 1
    assert texts.count("opened the case") == 1


def test_it_answers_404_to_those_who_cannot_see_the_case(
    busy_case, outsider, outside_supervisor, client_for, api_for
):
    for person in (outsider, outside_supervisor):
        assert (
            client_for(person).get(reverse("cases:chronology", args=[busy_case.number])).status_code
            == 404
        )
        assert (
            client_for(person)
            .get(reverse("cases:chronology-csv", args=[busy_case.number]))
            .status_code
            == 404
        )
        assert (
            api_for(person)
            .get(reverse("cases-api:chronology", args=[busy_case.number]))
            .status_code
            == 404
        )
    assert not AuditEvent.objects.filter(action="case.chronology_export").exists()


def test_it_hides_the_victim_compartment_from_those_outside_it(
    busy_case, investigator, administrator, client_for
):
    assign_perm("cases.view_case_content", administrator, busy_case)
    services.case_subject_add(actor=investigator, case=busy_case, role="victim")
    from casework.cases.selectors import victim_records_view

    victim_records_view(user=investigator, case=busy_case, reason="Synthetic reason 0042")
    outsider_view = [e.text for e in chronology_page(user=administrator, case=busy_case).entries]
    assert "victim record viewed" in outsider_view
    assert "victim record updated" in outsider_view
    body = _texts(client_for(administrator), busy_case).content.decode()
    assert "Synthetic reason 0042" not in body
    assert "identification" not in body
    member_view = [e.text for e in chronology_page(user=investigator, case=busy_case).entries]
    assert "opened the victim records (reason: Synthetic reason 0042)" in member_view
    assert "updated a victim record (identification, identified_at)" in member_view or any(
        t.startswith("updated a victim record (") for t in member_view
    )


def test_supervisors_and_auditors_see_event_ids_investigators_do_not(
    busy_case, investigator, supervisor, auditor, api_for
):
    url = reverse("cases-api:chronology", args=[busy_case.number])
    mine = api_for(investigator).get(url).json()["results"]
    assert all(row["event_id"] is None for row in mine)
    for reader in (supervisor, auditor):
        rows = api_for(reader).get(url).json()["results"]
        ids = [row["event_id"] for row in rows]
        assert all(isinstance(i, int) for i in ids)
        assert AuditEvent.objects.filter(pk__in=ids, case_id=busy_case.pk).count() == len(ids)


def test_it_filters_by_kind_and_refuses_an_unknown_kind(busy_case, investigator, api_for):
    url = reverse("cases-api:chronology", args=[busy_case.number])
    rows = api_for(investigator).get(url, {"kind": "partner"}).json()["results"]
    assert rows and {row["kind"] for row in rows} == {"partner"}
    notes = api_for(investigator).get(url, {"kind": "note"}).json()["results"]
    assert [row["text"] for row in notes] == ["added a note"]
    refused = api_for(investigator).get(url, {"kind": "gossip"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "kind" or "kind" in str(refused.json())


def test_it_shows_times_in_the_viewers_zone(busy_case, investigator, api_for):
    investigator.time_zone = "Asia/Tokyo"
    investigator.save(update_fields=["time_zone"])
    row = (
        api_for(investigator)
        .get(reverse("cases-api:chronology", args=[busy_case.number]))
        .json()["results"][0]
    )
    assert row["occurred_at"].endswith("+09:00")


def test_it_pages_by_keyset_without_gaps_or_repeats(north_case, investigator, api_for):
    for index in range(60):
        services.case_note_add(actor=investigator, case=north_case, body=f"Synthetic note {index}")
    url = reverse("cases-api:chronology", args=[north_case.number])
    first = api_for(investigator).get(url).json()
    assert len(first["results"]) == 50 and first["next"]
    second = api_for(investigator).get(first["next"]).json()
    assert second["next"] is None
    total = len(first["results"]) + len(second["results"])
    assert total == 60 + 3  # the notes, the opening, its review clock and the assignment
    bad = api_for(investigator).get(url, {"cursor": "not-a-cursor"})
    assert bad.status_code == 400


def test_the_first_page_costs_a_bounded_number_of_queries(
    busy_case, investigator, client_for, django_assert_max_num_queries
):
    client = client_for(investigator)
    for index in range(30):
        services.case_note_add(actor=investigator, case=busy_case, body=f"Synthetic note {index}")
    with django_assert_max_num_queries(20):
        _texts(client, busy_case)


def test_exports_are_csv_and_pdf_and_audited(busy_case, investigator, supervisor, client_for):
    client = client_for(supervisor)
    response = client.get(reverse("cases:chronology-csv", args=[busy_case.number]))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.splitlines()[0] == "when,kind,who,what,link,audit_event_id"
    assert "sent a preservation request to Example Provider (IE)" in text
    pdf = client.get(reverse("cases:chronology-pdf", args=[busy_case.number]), {"kind": "note"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    exports = AuditEvent.objects.filter(action="case.chronology_export", case_id=busy_case.pk)
    assert sorted(exports.values_list("details__format", flat=True)) == ["csv", "pdf"]
    assert exports.get(details__format="pdf").details["kind"] == "note"
    # And the export is itself on the chronology.
    entries = chronology_page(user=investigator, case=busy_case).entries
    assert entries[0].text == "exported the chronology"


def test_the_case_page_links_to_the_chronology(busy_case, investigator, client_for):
    page = client_for(investigator).get(reverse("cases:detail", args=[busy_case.number]))
    assert reverse("cases:chronology", args=[busy_case.number]) in page.content.decode()


def test_it_starts_with_the_referral_the_case_came_from(investigator, supervisor):
    from casework.referrals.services import referral_accept
    from tests.partners.factories import make_referral

    referral = make_referral(actor=investigator, reference="SYN-00042")
    case = referral_accept(actor=supervisor, referral=referral, title="Synthetic case 0042").case
    entries = chronology_page(user=supervisor, case=case, kind="referral").entries
    texts = [e.text for e in entries]
    assert texts[-1] == "recorded referral SYN-00042"
    assert f"accepted referral SYN-00042 into {case.number}" in texts
    assert all(e.url == reverse("referrals:detail", args=[referral.pk]) for e in entries)
