"""Requests and the real deadlines app: sending starts clocks, answering meets them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.core.errors import DomainError
from casework.deadlines.models import Deadline
from casework.partners import services
from tests.partners.factories import make_referral, make_request

pytestmark = pytest.mark.django_db


def _clocks(request):
    return Deadline.objects.filter(source_type="partners.request", source_id=str(request.pk))


def test_a_sent_us_preservation_expires_90_days_on_and_a_fulfilment_meets_it(
    investigator, case, other_agency
):
    request = make_request(
        actor=investigator, agency=other_agency, case=case, legal_basis="us_2703f"
    )
    request = services.request_send(actor=investigator, request=request)
    clock = _clocks(request).get()
    assert clock.kind == "preservation_us_2703f"
    assert clock.case == case
    assert clock.due_at - request.sent_at >= timedelta(days=90)
    assert clock.due_at - request.sent_at < timedelta(days=91)
    services.request_answer(actor=investigator, request=request, outcome="partial")
    assert _clocks(request).get().state == "open"
    services.request_answer(actor=investigator, request=request, outcome="fulfilled")
    assert _clocks(request).get().state == "met"


def test_a_withdrawn_takedown_notice_stops_its_clock(investigator, case, agency):
    request = make_request(actor=investigator, agency=agency, case=case, kind="takedown")
    request = services.request_send(actor=investigator, request=request)
    assert _clocks(request).get().kind == "takedown_confirmation"
    services.request_close(actor=investigator, request=request, status="withdrawn")
    assert _clocks(request).get().state == "met"


def test_a_referral_out_of_a_referral_marks_it_and_waits_for_acknowledgement(investigator, agency):
    referral = make_referral(actor=investigator)
    request = services.request_refer_out(
        actor=investigator,
        agency=agency,
        referral=referral,
        summary="Synthetic referral details and identifiers",
        handling_code="le_only",
        external_reference="FR-REF-1",
    )
    referral.refresh_from_db()
    assert referral.status == "referred_out"
    assert referral.referred_out_to == agency.name
    clock = _clocks(request).get()
    assert clock.kind == "referral_out_acknowledgement"
    assert clock.referral == referral
    services.request_acknowledge(actor=investigator, request=request)
    assert _clocks(request).get().state == "met"


def test_a_failed_clock_start_leaves_the_request_a_draft(investigator, case, agency):
    from casework.cases.models import Case

    # A closed case takes no new clocks: the send is refused as a whole.
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=case.opened_at)
    case.refresh_from_db()
    request = make_request(actor=investigator, agency=agency, case=case)
    with pytest.raises(DomainError):
        services.request_send(actor=investigator, request=request)
    request.refresh_from_db()
    assert request.status == "draft"
    assert not _clocks(request).exists()
