"""A safe closure: every open item is listed, court dates first, and resolved or carried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.cases import services
from casework.cases.closure import case_open_items
from casework.cases.models import CaseClosureRequest
from casework.core.errors import DomainError
from casework.custody.models import EvidenceItem
from casework.deadlines.models import Deadline
from tests.custody.factories import make_item, make_store
from tests.deadlines.factories import make_deadline
from tests.partners.factories import make_agency, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded_case(north_case, investigator, administrator):
    now = timezone.now()
    make_deadline(
        actor=investigator, case=north_case, kind="legal_process_response",
        due_at=now + timedelta(days=2),
    )  # fmt: skip
    court = make_deadline(
        actor=investigator, case=north_case, kind="court_date", due_at=now + timedelta(days=40)
    )
    services.case_task_add(actor=investigator, case=north_case, title="Synthetic task 0042")
    agency = make_agency(actor=administrator, name="Example Provider", country="IE")
    make_request(actor=investigator, agency=agency, case=north_case)
    item = make_item(case=north_case, store=make_store(admin=administrator), actor=investigator)
    EvidenceItem.objects.filter(pk=item.pk).update(hash_mismatch=True)
    north_case.court = court
    return north_case


def _carry_all(case) -> dict[str, str]:
    return {i.key: "Synthetic reason to carry" for i in case_open_items(case=case) if i.blocking}


def test_it_lists_every_open_item_with_court_dates_first(crowded_case):
    items = case_open_items(case=crowded_case)
    groups = [item.group for item in items]
    assert groups[0] == "court_date"
    assert {"deadline", "task", "request", "item", "hash"} <= set(groups)
    assert groups.index("deadline") < groups.index("task") < groups.index("request")
    review = next(i for i in items if i.label.startswith("Case review"))
    assert review.blocking is False  # closing ends the periodic review by itself


def test_it_refuses_closure_naming_each_item_neither_resolved_nor_carried(
    crowded_case, investigator
):
    with pytest.raises(DomainError) as refused:
        services.case_close_request(
            actor=investigator, case=crowded_case, reason="Synthetic", outcome="other"
        )
    fields = {error.field for error in refused.value.errors}
    assert f"carried.deadline:{crowded_case.court.pk}" in fields
    assert any(f.startswith("carried.hash:") for f in fields)
    assert not CaseClosureRequest.objects.filter(case=crowded_case).exists()


def test_the_web_checklist_keeps_what_was_typed_and_locates_each_error(
    crowded_case, investigator, client_for
):
    client = client_for(investigator)
    url = reverse("cases:close-request", args=[crowded_case.number])
    page = client.get(url)
    assert page.status_code == 200 and "Court date</a>, due <time" in page.content.decode()
    court_field = f"carried.deadline:{crowded_case.court.pk}"
    response = client.post(
        url, {"outcome": "other", "reason": "Synthetic closure", court_field: "Hearing is set"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Hearing is set" in body and "Synthetic closure" in body
    assert "Task “Synthetic task 0042”: resolve it first, or carry it with a reason." in body
    assert not CaseClosureRequest.objects.filter(case=crowded_case).exists()
    data = {"outcome": "other", "reason": "Synthetic closure"}
    data.update({f"carried.{k}": v for k, v in _carry_all(crowded_case).items()})
    assert client.post(url, data).status_code == 302
    request = CaseClosureRequest.objects.get(case=crowded_case)
    assert {entry["key"] for entry in request.carried} == set(_carry_all(crowded_case))


def test_closing_never_waives_a_court_date_and_carried_clocks_stay_open(
    crowded_case, investigator, supervisor
):
    services.case_close_request(
        actor=investigator,
        case=crowded_case,
        reason="Synthetic",
        outcome="other",
        carried=_carry_all(crowded_case),
    )
    services.case_close_approve(actor=supervisor, case=crowded_case)
    crowded_case.court.refresh_from_db()
    assert crowded_case.court.state == "open"
    states = dict(Deadline.objects.filter(case=crowded_case).values_list("kind", "state"))
    assert states["legal_process_response"] == "open"  # carried, so not waived
    assert states["case_review"] == "waived"  # ends with the case, as the checklist said


def test_the_supervisor_sees_the_same_list_and_cannot_approve_past_a_new_item(
    crowded_case, investigator, supervisor, client_for
):
    services.case_close_request(
        actor=investigator,
        case=crowded_case,
        reason="Synthetic",
        outcome="other",
        carried=_carry_all(crowded_case),
    )
    page = client_for(supervisor).get(reverse("cases:close-request", args=[crowded_case.number]))
    body = page.content.decode()
    assert "Court date</a>, due <time" in body and "Synthetic reason to carry" in body
    services.case_task_add(actor=investigator, case=crowded_case, title="Synthetic task 0043")
    with pytest.raises(DomainError) as refused:
        services.case_close_approve(actor=supervisor, case=crowded_case)
    assert "Synthetic task 0043" in refused.value.message
    crowded_case.refresh_from_db()
    assert not crowded_case.is_closed


def test_the_api_asks_the_same(crowded_case, investigator, outsider, api_for):
    url = reverse("cases-api:close-request", args=[crowded_case.number])
    refused = api_for(investigator).post(
        url, {"reason": "Synthetic", "outcome": "other"}, format="json"
    )
    assert refused.status_code == 400
    fields = {error["field"] for error in refused.json()["errors"]}
    assert f"carried.deadline:{crowded_case.court.pk}" in fields
    checklist_url = reverse("cases-api:closure", args=[crowded_case.number])
    assert api_for(outsider).get(checklist_url).status_code == 404
    checklist = api_for(investigator).get(checklist_url).json()
    assert checklist["open_items"][0]["group"] == "court_date"
    assert checklist["pending"] is None
    made = api_for(investigator).post(
        url,
        {"reason": "Synthetic", "outcome": "other", "carried": _carry_all(crowded_case)},
        format="json",
    )
    assert made.status_code == 201
    assert {entry["key"] for entry in made.json()["carried"]} == set(_carry_all(crowded_case))
    again = api_for(investigator).get(checklist_url).json()
    blocking = [i for i in again["open_items"] if i["blocking"]]
    assert all(i["carried"] for i in blocking)


def test_a_case_with_nothing_open_closes_as_before(north_case, investigator, supervisor):
    services.case_close_request(
        actor=investigator, case=north_case, reason="Synthetic", outcome="other"
    )
    services.case_close_approve(actor=supervisor, case=north_case)
    north_case.refresh_from_db()
    assert north_case.is_closed


def test_the_checklist_is_404_to_outsiders_and_bounded_in_queries(
    crowded_case, outsider, investigator, supervisor, client_for, django_assert_max_num_queries
):
    url = reverse("cases:close-request", args=[crowded_case.number])
    assert client_for(outsider).get(url).status_code == 404
    client = client_for(investigator)
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200
    services.case_close_request(
        actor=investigator,
        case=crowded_case,
        reason="Synthetic",
        outcome="other",
        carried=_carry_all(crowded_case),
    )
    queue = client_for(supervisor).get(reverse("cases:closures")).content.decode()
    assert url in queue and "carried" in queue


def test_the_chronology_tells_the_request_and_what_it_carried(crowded_case, investigator):
    from casework.cases.chronology import chronology_page

    carried = _carry_all(crowded_case)
    services.case_close_request(
        actor=investigator, case=crowded_case, reason="Synthetic", outcome="other", carried=carried
    )
    latest = chronology_page(user=investigator, case=crowded_case, kind="case").entries[0]
    assert latest.text == f"asked for the case to be closed, carrying {len(carried)} open items"


def test_the_checklist_shows_due_times_in_the_reader_s_zone_never_utc(
    north_case, investigator, supervisor, client_for
):
    """A court date at 10:00 in New York is 10:00 on the page of a reader there: in the list,
    in the error that names it, and among what the request carried (for the supervisor, who
    reads in their own zone)."""
    due = datetime(2027, 1, 15, 15, 0, tzinfo=UTC)  # 10:00 EST, 16:00 CET
    court = make_deadline(actor=investigator, case=north_case, kind="court_date", due_at=due)
    investigator.time_zone = "America/New_York"
    investigator.save(update_fields=["time_zone"])
    client = client_for(investigator)
    url = reverse("cases:close-request", args=[north_case.number])
    body = client.get(url).content.decode()
    assert ">15 Jan 2027 10:00</time>" in body
    assert "2027 15:00" not in body and " UTC" not in body
    refused = client.post(url, {"outcome": "other", "reason": "Synthetic closure"})
    assert refused.status_code == 400
    assert "Court date, due 15 Jan 2027 10:00 EST: resolve it first" in refused.content.decode()
    field = f"carried.deadline:{court.pk}"
    data = {"outcome": "other", "reason": "Synthetic closure", field: "Hearing is set"}
    assert client.post(url, data).status_code == 302
    supervisor.time_zone = "Europe/Berlin"
    supervisor.save(update_fields=["time_zone"])
    page = client_for(supervisor).get(url).content.decode()
    carried = page.split("Carried past closure", 1)[1].split("Open now", 1)[0]
    assert ">15 Jan 2027 16:00</time>" in carried and "Hearing is set" in carried
    assert ">15 Jan 2027 16:00</time>" in page.split("Open now", 1)[1]
