"""A hand-over goes only to someone who can see the case: anyone else would hold an item whose
page answers 404 to them and could never acknowledge receiving it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.core.errors import DomainError
from casework.custody import services
from casework.custody.forms import EventForm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_colleague(north):
    """In the case's unit, but neither on the case nor a supervisor: cannot see it."""
    return UserFactory(username="inv3.north", unit=north, roles=["investigator"])


def _transfer(item, *, to):
    return services.custody_event_record(
        actor=item.case.lead,
        item=item,
        kind="transferred",
        transfer_reason="Synthetic hand-over for examination",
        started_at=timezone.now() - timedelta(hours=1),
        released_by=item.case.lead,
        received_by=to,
        seal_state="intact",
    )


def test_it_refuses_a_hand_over_to_someone_who_cannot_see_the_case(item, unit_colleague):
    with pytest.raises(DomainError, match="cannot see case") as caught:
        _transfer(item, to=unit_colleague)
    assert caught.value.errors[0].field == "received_by"
    item.refresh_from_db()
    assert item.current_holder == item.case.lead
    assert item.events.count() == 1


def test_it_hands_over_to_the_teammate_and_the_unit_supervisor(item, teammate, supervisor):
    assert _transfer(item, to=supervisor).received_by == supervisor
    services.custody_event_record(
        actor=supervisor,
        item=item,
        kind="transferred",
        transfer_reason="Synthetic hand-over for examination",
        started_at=timezone.now() - timedelta(minutes=30),
        released_by=supervisor,
        received_by=teammate,
        seal_state="intact",
    )
    item.refresh_from_db()
    assert item.current_holder == teammate


def test_the_form_offers_only_people_who_can_see_the_case(
    item, investigator, teammate, supervisor, unit_colleague
):
    form = EventForm(item=item, user=investigator)
    offered = set(form.fields["received_by"].queryset)
    assert offered == {investigator, teammate, supervisor}


def test_the_api_answers_a_problem_on_the_recipient(api_for, item, investigator, unit_colleague):
    response = api_for(investigator).post(
        reverse("custody-api:item-events", args=[item.public_id]),
        {
            "kind": "transferred",
            "transfer_reason": "Synthetic hand-over for examination",
            "started_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "released_by": investigator.username,
            "received_by": unit_colleague.username,
            "seal_state": "intact",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "received_by"
    assert "cannot see case" in response.json()["errors"][0]["message"]
