"""Linked cases: visible on both cases, and never a way to read a case one may not see."""

from __future__ import annotations

import pytest
from django.core import signing

from casework.audit.models import AuditEvent
from casework.core.errors import DomainError, NotFound
from casework.core.models import Notification
from casework.linked_cases import selectors, services
from casework.linked_cases.models import CaseLink
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


def test_a_link_between_cases_one_sees_shows_on_both(investigator, north_case):
    other = make_case(lead=investigator, title="Synthetic second case")
    services.case_link_create(actor=investigator, case=other, other=north_case, kind="duplicate_of")
    [on_other] = selectors.links_for(user=investigator, case=other)
    [on_north] = selectors.links_for(user=investigator, case=north_case)
    assert (on_other.label, on_other.other.number) == ("Duplicate of", north_case.number)
    assert (on_north.label, on_north.other.title) == ("Has a duplicate", other.title)


def test_a_case_one_cannot_see_and_shares_nothing_with_cannot_be_linked(
    investigator, north_case, south_case
):
    with pytest.raises(NotFound):
        services.case_link_create(
            actor=investigator, case=north_case, other=south_case, kind="related"
        )
    assert not CaseLink.objects.exists()


def test_a_deconfliction_match_can_be_linked_and_never_leaks_the_title(
    shared, investigator, outsider
):
    north_case, south_case = shared
    [candidate] = selectors.link_candidates(user=investigator, case=north_case)
    assert candidate.other.visible is False
    assert (candidate.other.number, candidate.other.title) == (None, None)
    assert candidate.other.unit == "South Unit"
    other = selectors.case_from_token(user=investigator, case=north_case, token=candidate.token)
    link = services.case_link_create(
        actor=investigator, case=north_case, other=other, kind="same_subject"
    )
    [row] = selectors.links_for(user=investigator, case=north_case)
    assert row.other.visible is False
    assert row.other.lead_email == outsider.email
    assert (row.other.number, row.other.title) == (None, None)
    # The other side sees the link too, equally masked.
    [back] = selectors.links_for(user=outsider, case=south_case)
    assert (back.other.number, back.other.title, back.other.unit) == (None, None, "North Unit")
    # Audited on both cases; the other lead is told, without the linking case's content.
    assert AuditEvent.objects.filter(action="case.link", case_id=north_case.pk).exists()
    assert AuditEvent.objects.filter(action="case.linked", case_id=south_case.pk).exists()
    notice = Notification.objects.get(recipient=outsider, kind="case_link")
    assert north_case.number not in notice.subject + notice.body
    assert north_case.title not in notice.subject + notice.body
    assert link.pk


def test_a_token_is_good_only_for_its_viewer_and_case(shared, investigator, teammate):
    north_case, _ = shared
    [candidate] = selectors.link_candidates(user=investigator, case=north_case)
    with pytest.raises(NotFound):
        selectors.case_from_token(user=teammate, case=north_case, token=candidate.token)
    forged = signing.dumps({"o": 1, "c": north_case.pk, "u": investigator.pk}, salt="other")
    with pytest.raises(NotFound):
        selectors.case_from_token(user=investigator, case=north_case, token=forged)


@pytest.mark.parametrize("persona", ["outsider", "outside_supervisor", "auditor", "administrator"])
def test_people_off_the_case_cannot_link_it(persona, north_case, request, investigator):
    other = make_case(lead=investigator, title="Synthetic second case")
    with pytest.raises((NotFound, DomainError)):
        services.case_link_create(
            actor=request.getfixturevalue(persona), case=north_case, other=other, kind="related"
        )
    assert not CaseLink.objects.exists()


def test_a_pair_is_linked_once_and_a_case_not_to_itself(investigator, north_case):
    other = make_case(lead=investigator, title="Synthetic second case")
    services.case_link_create(actor=investigator, case=north_case, other=other, kind="related")
    with pytest.raises(DomainError, match="already linked"):
        services.case_link_create(actor=investigator, case=other, other=north_case, kind="related")
    with pytest.raises(DomainError, match="itself"):
        services.case_link_create(
            actor=investigator, case=north_case, other=north_case, kind="related"
        )


def test_removing_a_link_is_audited_on_both_cases(investigator, supervisor, north_case):
    other = make_case(lead=investigator, title="Synthetic second case")
    link = services.case_link_create(
        actor=investigator, case=north_case, other=other, kind="related"
    )
    services.case_link_remove(actor=supervisor, link=link, case=other)
    assert not CaseLink.objects.exists()
    cases = set(AuditEvent.objects.filter(action="case.unlink").values_list("case_id", flat=True))
    assert cases == {north_case.pk, other.pk}
