"""Merging a duplicate into its original: supervisors only, within a unit, one transaction,
everything under the duplicate moved, and both numbers still find the case."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.case_templates.models import ChecklistItem
from casework.cases import services as case_services
from casework.cases.models import Case, CaseIdentifier, CaseNote, CaseSubject, CaseTask
from casework.core.errors import DomainError, NotFound
from casework.deadlines.models import Deadline
from casework.linked_cases import services as link_services
from casework.linked_cases.models import CaseLink
from casework.partners.models import PartnerRequest
from tests.case_templates.factories import make_template
from tests.cases.factories import make_case
from tests.partners.factories import make_agency, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(investigator, teammate, administrator):
    template = make_template(admin=administrator)
    original = make_case(lead=investigator, title="Synthetic original")
    duplicate = case_services.case_open(
        actor=teammate, unit=teammate.unit, title="Synthetic duplicate", lead=teammate,
        template_id=template.pk,
    )  # fmt: skip
    for case, actor in ((original, investigator), (duplicate, teammate)):
        case_services.case_identifier_add(
            actor=actor, case=case, kind="email", raw="user_8812@example.invalid"
        )
        case_services.case_subject_add(actor=actor, case=case, role="suspect")
    case_services.case_identifier_add(
        actor=teammate, case=duplicate, kind="email", raw="user_9900@example.invalid"
    )
    note = case_services.case_note_add(actor=teammate, case=duplicate, body="Synthetic note 1")
    case_services.case_note_add(
        actor=teammate, case=duplicate, body="Synthetic correction", corrects=note
    )
    make_request(actor=teammate, agency=make_agency(actor=teammate), case=duplicate)
    return duplicate, original


def test_a_supervisor_merges_and_everything_moves(pair, supervisor, teammate):
    duplicate, original = pair
    case_services.case_merge(
        actor=supervisor, duplicate=duplicate, original=original, reason="Opened twice."
    )
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into, duplicate.closure_outcome) == (
        "closed",
        original,
        "merged",
    )
    # Moved values are encrypted again under the original's key: they read back.
    values = sorted(i.normal_value for i in CaseIdentifier.objects.filter(case=original))
    assert values == ["user_8812@example.invalid", "user_9900@example.invalid"]
    assert [s.sequence for s in CaseSubject.objects.filter(case=original)] == [1, 2]
    assert CaseTask.objects.filter(case=original).count() == 2  # the template's tasks
    assert ChecklistItem.objects.filter(case=original).count() == 4
    assert PartnerRequest.objects.filter(case=original).count() == 1
    assert Deadline.objects.filter(case=original, kind="safeguarding_review").exists()
    # The duplicate's own review ends; the original keeps one.
    assert Deadline.objects.filter(case=original, kind="case_review").count() == 1
    copies = list(CaseNote.objects.filter(case=original).order_by("id"))
    assert [n.body for n in copies] == ["Synthetic note 1", "Synthetic correction"]
    assert copies[1].corrects == copies[0]
    assert CaseNote.objects.filter(case=duplicate).count() == 2  # its log is kept
    # The duplicate's lead keeps seeing what they worked on.
    assert original.assignments.filter(user=teammate).exists()
    assert AuditEvent.objects.filter(action="case.merge", case_id=duplicate.pk).exists()
    assert AuditEvent.objects.filter(action="case.merge_into", case_id=original.pk).exists()


@pytest.mark.parametrize("persona", ["investigator", "teammate"])
def test_a_merge_needs_a_supervisor(persona, pair, request):
    duplicate, original = pair
    with pytest.raises(DomainError) as refused:
        case_services.case_merge(
            actor=request.getfixturevalue(persona),
            duplicate=duplicate,
            original=original,
            reason="Opened twice.",
        )
    assert refused.value.status in (403, 404)
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert CaseTask.objects.filter(case=duplicate).count() == 2


def test_another_units_supervisor_cannot_merge(pair, outside_supervisor):
    duplicate, original = pair
    with pytest.raises(NotFound):
        case_services.case_merge(
            actor=outside_supervisor, duplicate=duplicate, original=original, reason="x"
        )


def test_cases_of_two_units_are_not_merged(supervisor, investigator, outsider):
    north = make_case(lead=investigator, title="Synthetic north")
    south = make_case(lead=outsider, title="Synthetic south")
    with pytest.raises(DomainError):
        case_services.case_merge(actor=supervisor, duplicate=north, original=south, reason="x")
    assert Case.objects.get(pk=north.pk).merged_into is None


def test_links_follow_the_merge(pair, supervisor, investigator):
    duplicate, original = pair
    third = make_case(lead=investigator, title="Synthetic third")
    link_services.case_link_create(
        actor=supervisor, case=duplicate, other=original, kind="duplicate_of"
    )
    link_services.case_link_create(actor=supervisor, case=duplicate, other=third, kind="related")
    case_services.case_merge(actor=supervisor, duplicate=duplicate, original=original, reason="x")
    assert list(CaseLink.objects.values_list("from_case", "to_case")) == [(original.pk, third.pk)]


def test_the_merged_number_leads_to_the_original_and_the_page_merges(pair, supervisor, client_for):
    duplicate, original = pair
    link_services.case_link_create(
        actor=supervisor, case=duplicate, other=original, kind="duplicate_of"
    )
    client = client_for(supervisor)
    page = client.get(f"/cases/{duplicate.number}/").content.decode()
    assert f"Merge into {original.number}" in page
    refused = client.post(
        f"/linked_cases/cases/{duplicate.number}/merge/", {"original": original.number}
    )
    assert refused.status_code == 400
    response = client.post(
        f"/linked_cases/cases/{duplicate.number}/merge/",
        {"original": original.number, "reason": "Opened twice."},
    )
    assert response.status_code == 302
    follow = client.get(f"/cases/{duplicate.number}/")
    assert follow.status_code == 302
    assert follow["Location"].endswith(f"/cases/{original.number}/")


def test_the_api_merges_for_a_supervisor_only(pair, supervisor, investigator, teammate, api_for):
    duplicate, original = pair
    case_services.case_assign(actor=investigator, case=original, user=teammate)
    url = f"/api/v1/linked_cases/cases/{duplicate.number}/merge/"
    body = {"original": original.number, "reason": "Opened twice."}
    refused = api_for(teammate).post(url, body, format="json")
    assert refused.status_code == 403
    done = api_for(supervisor).post(url, body, format="json")
    assert done.status_code == 200, done.content
    detail = api_for(supervisor).get(f"/api/v1/cases/{duplicate.number}/").json()
    assert (detail["status"], detail["merged_into"]) == ("closed", original.number)
