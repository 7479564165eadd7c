from __future__ import annotations

from datetime import timedelta

import pytest

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.core import events
from casework.core.errors import DomainError, NotFound
from casework.referrals import services
from casework.referrals.models import Referral
from casework.referrals.selectors import referrals_visible_to
from tests.cases.factories import make_case
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def test_it_moves_a_new_referral_into_triage(investigator):
    referral = make_referral(actor=investigator)
    referral = services.referral_triage_start(actor=investigator, referral=referral)
    assert referral.status == "in_triage"
    assert referral.triage_started_by == investigator
    with pytest.raises(DomainError, match="only on a new referral"):
        services.referral_triage_start(actor=investigator, referral=referral)


def test_accepting_into_a_new_case_opens_it_and_copies_identifiers(investigator, published):
    triaged = published(events.ReferralTriaged)
    referral = make_referral(
        actor=investigator,
        priority="P1",
        identifiers=[
            {"kind": "email", "value": "Someone@Example.invalid"},
            {"kind": "ip_address", "value": "192.0.2.1", "ip_event": "upload", "port": 80},
        ],
    )
    services.referral_triage_start(actor=investigator, referral=referral)
    referral = services.referral_accept(actor=investigator, referral=referral, title="Synthetic")
    case = referral.case
    assert referral.status == "accepted"
    assert case.unit == investigator.unit and case.lead == investigator and case.priority == "P1"
    held = {(i.kind, i.normal_value) for i in case.identifiers.all()}
    assert held == {("email", "someone@example.invalid"), ("ip_address", "192.0.2.1")}
    assert triaged == [
        events.ReferralTriaged(referral=referral, actor=investigator, outcome="accepted")
    ]
    assert AuditEvent.objects.filter(action="referral.accept", case_id=case.pk).exists()


def test_accepting_into_an_existing_case_skips_identifiers_it_already_holds(investigator):
    case = make_case(lead=investigator)
    first = make_referral(actor=investigator)
    services.referral_accept(actor=investigator, referral=first, case=case)
    again = make_referral(
        actor=investigator,
        identifiers=[{"kind": i.kind, "value": i.raw} for i in first.identifiers.all()],
    )
    services.referral_accept(actor=investigator, referral=again, case=case)
    assert case.identifiers.count() == 1
    assert set(case.referrals.all()) == {first, again}


def test_an_existing_case_must_be_visible_to_the_actor(investigator, teammate):
    hidden = make_case(lead=teammate)
    referral = make_referral(actor=investigator)
    with pytest.raises(NotFound):
        services.referral_accept(actor=investigator, referral=referral, case=hidden)
    referral.refresh_from_db()
    assert referral.status == "new" and referral.case is None


def test_once_accepted_a_referral_follows_its_case(investigator, teammate, supervisor):
    referral = make_referral(actor=investigator)
    services.referral_accept(actor=investigator, referral=referral)
    assert referrals_visible_to(investigator).filter(pk=referral.pk).exists()
    assert referrals_visible_to(supervisor).filter(pk=referral.pk).exists()
    assert not referrals_visible_to(teammate).filter(pk=referral.pk).exists()


def test_declining_needs_a_reason(investigator, published):
    triaged = published(events.ReferralTriaged)
    referral = make_referral(actor=investigator)
    with pytest.raises(DomainError) as caught:
        services.referral_decline(actor=investigator, referral=referral, reason="  ")
    assert caught.value.errors[0].field == "reason"
    referral = services.referral_decline(
        actor=investigator, referral=referral, reason="No offence disclosed."
    )
    assert referral.status == "declined" and referral.decline_reason == "No offence disclosed."
    assert triaged[0].outcome == "declined"


def test_referring_out_ends_triage(investigator, published):
    triaged = published(events.ReferralTriaged)
    referral = make_referral(actor=investigator)
    referral = services.referral_mark_referred_out(
        actor=investigator, referral=referral, agency_name="Example Foreign Police", reference="X-1"
    )
    assert referral.status == "referred_out"
    assert (referral.referred_out_to, referral.referred_out_reference) == (
        "Example Foreign Police",
        "X-1",
    )
    assert triaged[0].outcome == "referred_out"


@pytest.mark.parametrize("outcome", ["accept", "decline", "refer_out"])
def test_a_triaged_referral_cannot_move_again(investigator, outcome):
    referral = make_referral(actor=investigator)
    services.referral_decline(actor=investigator, referral=referral, reason="Duplicate report.")
    with pytest.raises(DomainError, match="triage has ended") as caught:
        if outcome == "accept":
            services.referral_accept(actor=investigator, referral=referral)
        elif outcome == "decline":
            services.referral_decline(actor=investigator, referral=referral, reason="Again.")
        else:
            services.referral_mark_referred_out(
                actor=investigator, referral=referral, agency_name="Example"
            )
    assert caught.value.errors[0].code == "illegal_transition"
    assert not Case.objects.exists()


def test_an_outsider_cannot_triage(investigator, outsider):
    referral = make_referral(actor=investigator)
    with pytest.raises(NotFound):
        services.referral_triage_start(actor=outsider, referral=referral)
    with pytest.raises(NotFound):
        services.referral_decline(actor=outsider, referral=referral, reason="No.")
    assert Referral.objects.get().status == "new"


def test_reprioritising_restarts_the_clock_from_receipt(investigator, published):
    seen = published(events.ReferralReprioritised)
    referral = make_referral(actor=investigator, priority="P4")
    referral = services.referral_prioritise(actor=investigator, referral=referral, priority="P1")
    assert referral.triage_due_at - referral.received_at == timedelta(hours=24)  # the P1 rule
    assert len(seen) == 1
