from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.core.errors import DomainError, NotFound
from casework.partners.models import Communication
from casework.partners.selectors import communications_for
from tests.partners.factories import make_communication, make_contact, make_referral

pytestmark = pytest.mark.django_db


def test_it_logs_a_communication_on_a_case(investigator, case, agency, contact):
    when = timezone.now() - timedelta(hours=2)
    communication = make_communication(
        actor=investigator, agency=agency, contact=contact, case=case, occurred_at=when
    )
    assert communication.handling_code == "le_only"
    assert communication.occurred_at == when
    event = AuditEvent.objects.get(action="communication.create")
    assert event.case_id == case.pk
    assert event.details["handling_code"] == "le_only"


def test_a_contact_of_another_agency_is_refused(investigator, case, agency, other_agency):
    stranger = make_contact(actor=investigator, agency=other_agency, name="Pat Example")
    with pytest.raises(DomainError) as error:
        make_communication(actor=investigator, agency=agency, contact=stranger, case=case)
    assert error.value.errors[0].field == "contact"
    assert "Example Provider" in error.value.message
    assert not Communication.objects.exists()


def test_an_outgoing_communication_needs_a_handling_code(investigator, case, agency):
    with pytest.raises(DomainError) as error:
        make_communication(actor=investigator, agency=agency, case=case, handling_code="")
    assert error.value.errors[0].field == "handling_code"
    assert not Communication.objects.exists()
    assert not AuditEvent.objects.filter(action="communication.create").exists()


def test_an_incoming_communication_may_have_no_handling_code(investigator, case, agency):
    communication = make_communication(
        actor=investigator, agency=agency, case=case, direction="in", handling_code=""
    )
    assert communication.handling_code == ""


def test_a_communication_in_the_future_is_refused(investigator, case, agency):
    with pytest.raises(DomainError) as error:
        make_communication(
            actor=investigator,
            agency=agency,
            case=case,
            occurred_at=timezone.now() + timedelta(days=1),
        )
    assert error.value.errors[0].field == "occurred_at"


def test_a_communication_on_a_referral_follows_the_referral(
    investigator, outsider, supervisor, agency
):
    referral = make_referral(actor=investigator)
    make_communication(actor=investigator, agency=agency, referral=referral)
    assert communications_for(user=supervisor, referral=referral).count() == 1
    assert communications_for(user=outsider, referral=referral).count() == 0
    with pytest.raises(NotFound):
        make_communication(actor=outsider, agency=agency, referral=referral)


def test_the_log_is_seen_only_by_those_who_see_the_case(
    investigator, teammate, supervisor, outsider, outside_supervisor, auditor, case, agency
):
    make_communication(actor=investigator, agency=agency, case=case)
    for reader in (investigator, teammate, supervisor):
        assert communications_for(user=reader, case=case).count() == 1
    for reader in (outsider, outside_supervisor, auditor):
        assert communications_for(user=reader, case=case).count() == 0
