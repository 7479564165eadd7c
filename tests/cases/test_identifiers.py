from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.cases.models import CaseIdentifier
from casework.cases.services import (
    case_identifier_add,
    identifier_deconflict,
    identifiers_deconflict_bulk,
)
from casework.core.errors import DomainError, NotFound
from casework.core.models import Notification

pytestmark = pytest.mark.django_db


def test_it_keeps_raw_and_normal_forms(north_case, investigator):
    identifier = case_identifier_add(
        actor=investigator, case=north_case, kind="email", raw="  User_8812@Example.COM "
    )
    assert identifier.raw_value == "User_8812@Example.COM"
    assert identifier.normal_value == "user_8812@example.com"
    assert identifier.matches == []
    assert AuditEvent.objects.filter(
        action="case_identifier.create", case_id=north_case.pk
    ).exists()


def test_it_refuses_an_invalid_identifier_and_writes_nothing(north_case, investigator):
    with pytest.raises(DomainError) as error:
        case_identifier_add(actor=investigator, case=north_case, kind="ip_address", raw="999.1.1.1")
    assert "not an IPv4 or IPv6 address" in error.value.message
    assert CaseIdentifier.objects.count() == 0


def test_it_refuses_the_same_identifier_twice_on_a_case(north_case, investigator):
    case_identifier_add(actor=investigator, case=north_case, kind="ip_address", raw="2001:DB8::1")
    with pytest.raises(DomainError) as error:
        case_identifier_add(
            actor=investigator, case=north_case, kind="ip_address", raw="2001:db8:0:0:0:0:0:1"
        )
    assert error.value.status == 409
    assert CaseIdentifier.objects.count() == 1


def test_outsider_cannot_add_to_a_case_they_cannot_see(north_case, outsider, auditor):
    for user in (outsider, auditor):
        with pytest.raises(NotFound):
            case_identifier_add(actor=user, case=north_case, kind="email", raw="a@b.example")
    assert CaseIdentifier.objects.count() == 0


def test_a_hidden_match_discloses_only_unit_and_lead_contact(
    north_case, south_case, investigator, outsider
):
    outsider.phone = "+441234567890"
    outsider.save()
    case_identifier_add(actor=outsider, case=south_case, kind="email", raw="shared@example.org")
    identifier = case_identifier_add(
        actor=investigator, case=north_case, kind="email", raw="Shared@Example.org"
    )
    [match] = identifier.matches
    assert match.visible is False
    assert match.unit_name == "South Unit"
    assert match.lead_email == outsider.email
    assert match.lead_phone == "+441234567890"
    assert match.case_number is None and match.case_title is None
    assert south_case.number not in str(match.as_dict())
    assert "Synthetic case south" not in str(match.as_dict())


def test_the_matched_lead_is_notified_once_and_both_sides_audited(
    north_case, south_case, investigator, outsider
):
    case_identifier_add(actor=outsider, case=south_case, kind="phone", raw="+44 20 7946 0000")
    case_identifier_add(actor=investigator, case=north_case, kind="phone", raw="+442079460000")
    identifier_deconflict(
        actor=investigator,
        kind="phone",
        normal_value="+442079460000",
        exclude_case=north_case,
        context_label=f"case {north_case.number}",
    )
    notices = Notification.objects.filter(recipient=outsider, kind="deconfliction.match")
    assert notices.count() == 1
    notice = notices.get()
    assert south_case.number in notice.subject
    assert north_case.number not in notice.subject + notice.body
    assert investigator.email in notice.body
    searching = AuditEvent.objects.filter(action="identifier.deconflict", case_id=north_case.pk)
    matched = AuditEvent.objects.filter(action="identifier.matched", case_id=south_case.pk)
    assert searching.exists() and matched.exists()
    assert "+442079460000" not in str(list(searching.values_list("details", flat=True)))


def test_a_visible_match_names_the_case(north_case, investigator, teammate):
    from tests.cases.factories import make_case

    other = make_case(lead=teammate, assignees=[investigator], title="Second synthetic case")
    case_identifier_add(
        actor=teammate, case=other, kind="screen_name", raw="@User_8812", service="Example"
    )
    identifier = case_identifier_add(
        actor=investigator, case=north_case, kind="screen_name", raw="user_8812", service="example"
    )
    [match] = identifier.matches
    assert match.visible is True
    assert match.case_number == other.number


def test_no_identifier_on_a_closed_case(north_case, investigator):
    from django.utils import timezone

    from casework.cases.models import Case

    Case.objects.filter(pk=north_case.pk).update(status="closed", closed_at=timezone.now())
    north_case.refresh_from_db()
    with pytest.raises(DomainError, match="closed"):
        case_identifier_add(actor=investigator, case=north_case, kind="email", raw="a@b.example")


def test_bulk_deconfliction_answers_a_batch_in_few_queries(
    north_case, south_case, investigator, outsider, django_assert_max_num_queries
):
    case_identifier_add(actor=outsider, case=south_case, kind="email", raw="one@example.org")
    case_identifier_add(actor=outsider, case=south_case, kind="ip_address", raw="192.0.2.7")
    pairs = [("email", f"user{i}@example.org") for i in range(2000)]
    pairs += [("email", "one@example.org"), ("ip_address", "192.0.2.7"), ("phone", "+15550100")]
    with django_assert_max_num_queries(15):
        result = identifiers_deconflict_bulk(actor=investigator, pairs=pairs)
    assert set(result) == {("email", "one@example.org"), ("ip_address", "192.0.2.7")}
    assert all(not m.visible for matches in result.values() for m in matches)
    assert Notification.objects.filter(recipient=outsider).count() == 1
