from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.core import events
from casework.core.errors import DomainError, NotFound
from casework.partners import services
from casework.partners.choices import RequestKind, RequestStatus
from casework.partners.models import PartnerRequest
from tests.partners.factories import make_contact, make_request

pytestmark = pytest.mark.django_db


def test_a_new_request_is_a_draft_with_no_clock(investigator, case, agency, clock_calls):
    request = make_request(actor=investigator, agency=agency, case=case)
    assert request.status == RequestStatus.DRAFT
    assert request.sent_at is None
    assert clock_calls["start"] == []


def test_sending_a_us_preservation_starts_its_expiry_clock(investigator, case, agency, clock_calls):
    request = make_request(actor=investigator, agency=agency, case=case, legal_basis="us_2703f")
    sent = []
    events.subscribe(events.RequestSent)(handler := sent.append)
    try:
        services.request_send(actor=investigator, request=request, external_reference="LE-77")
    finally:
        events._subscribers[events.RequestSent].remove(handler)
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert request.external_reference == "LE-77"
    assert [c["kind"] for c in clock_calls["start"]] == ["preservation_us_2703f"]
    first = clock_calls["start"][0]
    assert first["jurisdiction"] == "US"
    assert first["source_type"] == "partners.request"
    assert first["source_id"] == str(request.pk)
    assert first["case"] == case
    assert first["starts_at"] == request.sent_at
    assert sent[0].request.pk == request.pk


@pytest.mark.parametrize(
    ("kind", "basis", "expected"),
    [
        ("production", "eu_e_evidence", ["eu_production_order"]),
        ("emergency", "eu_e_evidence", ["eu_production_order_emergency"]),
        ("preservation", "eu_e_evidence", ["eu_preservation_order"]),
        ("preservation", "budapest", ["budapest_preservation"]),
        ("mlat", "domestic", ["legal_process_response"]),
        ("takedown", "voluntary", ["takedown_confirmation"]),
        ("database", "domestic", ["icse_submission"]),
    ],
)
def test_each_kind_of_request_starts_its_own_clock(
    investigator, case, agency, clock_calls, kind, basis, expected
):
    request = make_request(
        actor=investigator, agency=agency, case=case, kind=kind, legal_basis=basis
    )
    services.request_send(actor=investigator, request=request)
    assert [c["kind"] for c in clock_calls["start"]] == expected


def test_an_incoming_request_starts_our_response_clock(investigator, case, agency, clock_calls):
    request = make_request(
        actor=investigator,
        agency=agency,
        case=case,
        direction="in",
        handling_code="",
        kind=RequestKind.PRODUCTION,
    )
    services.request_send(actor=investigator, request=request)
    assert [c["kind"] for c in clock_calls["start"]] == ["legal_process_response"]


def test_answering_a_request_never_sent_is_refused_and_writes_nothing(
    investigator, case, agency, clock_calls
):
    request = make_request(actor=investigator, agency=agency, case=case)
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as error:
        services.request_answer(actor=investigator, request=request, outcome="fulfilled")
    assert "never sent" in error.value.message
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT
    assert request.answered_at is None
    assert AuditEvent.objects.count() == before
    assert clock_calls["meet"] == []


def test_a_final_answer_meets_the_clocks_and_a_partial_one_does_not(
    investigator, case, agency, clock_calls
):
    answered = []
    events.subscribe(events.RequestProgressed)(handler := answered.append)
    try:
        with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
            request = make_request(actor=investigator, agency=agency, case=case)
            services.request_send(actor=investigator, request=request)
        partial_at = timezone.now() - timedelta(days=4)
        services.request_answer(
            actor=investigator, request=request, outcome="partial", answered_at=partial_at
        )
        assert clock_calls["meet"] == []
        services.request_answer(
            actor=investigator, request=request, outcome="fulfilled", note="Data received"
        )
    finally:
        events._subscribers[events.RequestProgressed].remove(handler)
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert request.answered_at == partial_at  # response time counts from the first answer
    assert request.closed_at is not None
    assert clock_calls["meet"] == [
        {
            "actor": investigator,
            "source_type": "partners.request",
            "source_id": str(request.pk),
            "kinds": None,
        }
    ]
    assert len(answered) == 2


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("fulfilled", "sent"),
        ("refused", "acknowledged"),
        ("withdrawn", "sent"),
        ("sent", "draft"),
    ],
)
def test_the_status_moves_only_forward(investigator, case, agency, clock_calls, start, target):
    request = make_request(actor=investigator, agency=agency, case=case)
    if start == "withdrawn":
        services.request_close(actor=investigator, request=request, status="withdrawn")
    else:
        services.request_send(actor=investigator, request=request)
        if start != "sent":
            services.request_answer(actor=investigator, request=request, outcome=start)
    with pytest.raises(DomainError):
        services.request_change_status(actor=investigator, request=request, status=target)
    assert PartnerRequest.objects.get(pk=request.pk).status == start


def test_an_answer_before_sending_time_is_refused(investigator, case, agency, clock_calls):
    request = make_request(actor=investigator, agency=agency, case=case)
    request = services.request_send(actor=investigator, request=request)
    with pytest.raises(DomainError) as error:
        services.request_answer(
            actor=investigator,
            request=request,
            outcome="refused",
            answered_at=request.sent_at - timedelta(hours=1),
        )
    assert error.value.errors[0].field == "answered_at"


def test_a_request_names_a_contact_of_its_own_agency(
    investigator, case, agency, other_agency, clock_calls
):
    stranger = make_contact(actor=investigator, agency=other_agency)
    with pytest.raises(DomainError) as error:
        make_request(actor=investigator, agency=agency, case=case, contact=stranger)
    assert error.value.errors[0].field == "contact"
    assert not PartnerRequest.objects.exists()


def test_an_outgoing_request_needs_a_handling_code(investigator, case, agency):
    with pytest.raises(DomainError) as error:
        make_request(actor=investigator, agency=agency, case=case, handling_code="")
    assert error.value.errors[0].field == "handling_code"


def test_an_outsider_cannot_write_into_a_case_they_cannot_see(outsider, case, agency):
    with pytest.raises(NotFound):
        make_request(actor=outsider, agency=agency, case=case)
    assert not PartnerRequest.objects.exists()


def test_acknowledging_a_referral_out_meets_only_the_acknowledgement_clock(
    investigator, case, agency, clock_calls
):
    request = services.request_refer_out(
        actor=investigator,
        agency=agency,
        case=case,
        summary="Case file summary and identifiers of synthetic case 0042",
        handling_code="le_only",
    )
    assert request.status == RequestStatus.SENT
    assert request.kind == RequestKind.REFERRAL_OUT
    assert [c["kind"] for c in clock_calls["start"]] == ["referral_out_acknowledgement"]
    services.request_acknowledge(actor=investigator, request=request, external_reference="FR-1")
    assert clock_calls["meet"][0]["kinds"] == ["referral_out_acknowledgement"]
    request.refresh_from_db()
    assert request.status == RequestStatus.ACKNOWLEDGED
    assert request.external_reference == "FR-1"
