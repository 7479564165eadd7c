"""Transfer between units: the sending supervisor proposes, a receiving supervisor accepts or
declines; on acceptance unit, access and running clocks move; the sender keeps a stub."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.cases.models import CaseTransfer
from casework.cases.selectors import case_is_visible
from casework.core.errors import DomainError, NotFound
from casework.deadlines.models import Deadline
from casework.linked_cases import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(north_case, supervisor, south):
    return case_services.case_transfer_propose(
        actor=supervisor, case=north_case, to_unit=south, reason="The suspect lives in the south."
    )


@pytest.mark.parametrize("persona", ["investigator", "teammate", "outside_supervisor", "outsider"])
def test_only_the_sending_supervisor_proposes(persona, north_case, south, north, request):
    actor = request.getfixturevalue(persona)
    to_unit = north if actor.unit_id == south.pk else south
    with pytest.raises((DomainError, NotFound)):
        case_services.case_transfer_propose(
            actor=actor, case=north_case, to_unit=to_unit, reason="x"
        )
    assert not CaseTransfer.objects.exists()


@pytest.mark.parametrize("persona", ["supervisor", "outsider", "investigator"])
def test_only_a_receiving_supervisor_decides(persona, offered, outsider, request):
    with pytest.raises(NotFound):
        case_services.case_transfer_accept(
            actor=request.getfixturevalue(persona), transfer=offered, lead=outsider
        )
    offered.refresh_from_db()
    assert offered.status == "pending"


def test_acceptance_moves_unit_access_and_clocks(
    offered, north_case, investigator, teammate, supervisor, outside_supervisor, outsider, south
):
    review = Deadline.objects.get(case=north_case, kind="case_review")
    assert review.owner == investigator
    case = case_services.case_transfer_accept(
        actor=outside_supervisor, transfer=offered, lead=outsider
    )
    assert (case.unit, case.lead) == (south, outsider)
    for person in (investigator, teammate, supervisor):
        assert not case_is_visible(user=person, case=case)
    for person in (outsider, outside_supervisor):
        assert case_is_visible(user=person, case=case)
    review.refresh_from_db()
    assert (review.unit, review.owner) == (south, outsider)
    # The sending unit keeps a read-only stub naming where the case went.
    [stub] = selectors.transfers_outgoing(supervisor)
    assert (stub.status, stub.to_unit, stub.new_lead) == ("accepted", south, outsider)
    assert stub.number == north_case.number
    actions = set(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))
    assert {"case.transfer_propose", "case.transfer_accept", "deadline.transfer"} <= actions


def test_a_decline_needs_a_reason_and_moves_nothing(offered, outside_supervisor, north_case, north):
    with pytest.raises(DomainError):
        case_services.case_transfer_decline(actor=outside_supervisor, transfer=offered, reason="")
    case_services.case_transfer_decline(
        actor=outside_supervisor, transfer=offered, reason="Not our area."
    )
    north_case.refresh_from_db()
    assert north_case.unit == north
    assert AuditEvent.objects.filter(action="case.transfer_decline").exists()


def test_the_new_lead_must_belong_to_the_receiving_unit(offered, outside_supervisor, teammate):
    with pytest.raises(DomainError) as refused:
        case_services.case_transfer_accept(
            actor=outside_supervisor, transfer=offered, lead=teammate
        )
    assert refused.value.errors[0].field == "lead"


def test_the_pages_and_api(offered, outside_supervisor, outsider, supervisor, client_for, api_for):
    page = client_for(outside_supervisor).get("/linked_cases/transfers/").content.decode()
    assert offered.number in page and "Accept" in page
    refused = client_for(outside_supervisor).post(
        f"/linked_cases/transfers/{offered.pk}/decline/", {f"d{offered.pk}-reason": ""}
    )
    assert refused.status_code == 400
    assert client_for(outsider).get("/linked_cases/transfers/").status_code == 404
    api = api_for(outside_supervisor)
    assert api.get("/api/v1/linked_cases/transfers/").json()["incoming"][0]["id"] == offered.pk
    accepted = api.post(
        f"/api/v1/linked_cases/transfers/{offered.pk}/accept/",
        {"lead": outsider.username},
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    stub = api_for(supervisor).get("/api/v1/linked_cases/transfers/").json()["outgoing"][0]
    assert (stub["status"], stub["to_unit"]) == ("accepted", "south")
