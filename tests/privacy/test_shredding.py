"""Crypto-shredding: once a case's (or referral's) data key is destroyed its values read as a
plain "[disposed]" everywhere (page, API, search), nothing can be added under it, and the
ledger still verifies."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.cases.models import CaseIdentifier
from casework.cases.services import case_identifier_add
from casework.core.errors import DomainError
from casework.privacy.crypto import DISPOSED
from casework.privacy.models import DataKey
from casework.privacy.services import data_key_destroy
from tests.cases.factories import make_case
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def test_a_destroyed_case_key_leaves_a_placeholder_everywhere(investigator, client_for, api_for):
    case = make_case(lead=investigator)
    case_identifier_add(actor=investigator, case=case, kind="email", raw="gone@x.example")
    data_key_destroy(actor=investigator, case=case, reason="Disposal approved")

    key = DataKey.objects.get(scope="case", owner_id=case.pk)
    assert key.wrapped_key is None and key.destroyed_at is not None
    identifier = CaseIdentifier.objects.get(case=case)
    assert identifier.raw_value == DISPOSED and identifier.normal_value == DISPOSED

    page = client_for(investigator).get(f"/cases/{case.number}/identifiers/")
    assert page.status_code == 200
    assert DISPOSED in page.content.decode() and "gone@x.example" not in page.content.decode()
    api = api_for(investigator).get(f"/api/v1/cases/{case.number}/identifiers/")
    assert api.status_code == 200
    assert api.json()["results"][0]["raw_value"] == DISPOSED
    search = client_for(investigator).get("/search/", {"q": "gone@x.example"})
    assert search.status_code == 200  # found by fingerprint, shown as disposed

    with pytest.raises(DomainError, match="disposed"):
        case_identifier_add(actor=investigator, case=case, kind="email", raw="new@x.example")
    event = AuditEvent.objects.get(action="data_key.destroy")
    assert event.case_id == case.pk and event.reason == "Disposal approved"
    # Idempotent: a second destruction changes nothing and is not audited again.
    data_key_destroy(actor=investigator, case=case, reason="Again")
    assert AuditEvent.objects.filter(action="data_key.destroy").count() == 1


def test_destroying_a_referrals_key_makes_its_identifiers_unreadable(investigator):
    referral = make_referral(actor=investigator)
    data_key_destroy(actor=investigator, referral=referral, reason="Disposal 1")
    assert DataKey.objects.get(scope="referral", owner_id=referral.pk).destroyed_at is not None
    assert referral.identifiers.get().raw == DISPOSED


def test_a_reason_is_required_and_one_record_is_named(investigator):
    case = make_case(lead=investigator)
    with pytest.raises(DomainError):
        data_key_destroy(actor=investigator, case=case, reason="  ")
    with pytest.raises(DomainError):
        data_key_destroy(actor=investigator, reason="Disposal")
    with pytest.raises(DomainError):
        data_key_destroy(actor=investigator, case=case, reason="bad\x00reason")


def test_the_wrapped_key_never_reaches_the_ledger(investigator):
    """Data keys are not captured (issue 26), so no ledger event can hold one; the destruction's
    own event names the key and its owner, never the key."""
    case = make_case(lead=investigator)
    case_identifier_add(actor=investigator, case=case, kind="email", raw="k@x.example")
    assert DataKey.objects.filter(scope="case", owner_id=case.pk).exists()
    assert not AuditEvent.objects.filter(object_type="privacy.datakey")
    data_key_destroy(actor=investigator, case=case, reason="Disposal approved")
    (event,) = AuditEvent.objects.filter(object_type="privacy.datakey")
    assert event.action == "data_key.destroy" and event.changes == {}
    assert event.details == {"scope": "case", "owner_id": case.pk}
