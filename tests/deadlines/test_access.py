"""Who sees which clock: the case's access, the referral's, the unit's own clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.deadlines import services
from casework.deadlines.models import Deadline
from casework.deadlines.selectors import deadlines_visible_to

pytestmark = pytest.mark.django_db


def test_a_referral_clock_is_seen_by_its_unit_only(
    investigator, supervisor, outsider, outside_supervisor, auditor, north_referral
):
    triage = Deadline.objects.get(referral=north_referral)
    for user in (investigator, supervisor):
        assert deadlines_visible_to(user).filter(pk=triage.pk).exists()
    for user in (outsider, outside_supervisor, auditor):
        assert not deadlines_visible_to(user).filter(pk=triage.pk).exists()


def test_a_case_clock_follows_the_case(investigator, teammate, supervisor, outsider, north_case):
    review = Deadline.objects.get(case=north_case)
    assert deadlines_visible_to(teammate).filter(pk=review.pk).exists()
    assert deadlines_visible_to(supervisor).filter(pk=review.pk).exists()
    assert not deadlines_visible_to(outsider).filter(pk=review.pk).exists()


def test_the_weekly_audit_review_belongs_to_the_unit(
    supervisor, investigator, outside_supervisor, north
):
    review = services.deadline_start(
        actor=supervisor, kind="audit_weekly_review", unit=north, owner=supervisor
    )
    assert review.case is None and review.referral is None
    assert deadlines_visible_to(supervisor).filter(pk=review.pk).exists()
    assert not deadlines_visible_to(investigator).filter(pk=review.pk).exists()
    assert not deadlines_visible_to(outside_supervisor).filter(pk=review.pk).exists()
    services.deadline_meet(actor=supervisor, deadline=review)
    following = Deadline.objects.get(kind="audit_weekly_review", state="open")
    assert following.unit == north


def test_other_kinds_need_a_case_or_referral(supervisor, north):
    from casework.core.errors import DomainError

    with pytest.raises(DomainError):
        services.deadline_start(actor=supervisor, kind="court_date", unit=north)


def test_reprioritising_a_referral_moves_its_triage_clock(investigator, north_referral):
    from casework.referrals.services import referral_prioritise

    triage = Deadline.objects.get(referral=north_referral)
    referral_prioritise(actor=investigator, referral=north_referral, priority="P3")
    triage.refresh_from_db()
    north_referral.refresh_from_db()
    assert triage.due_at == north_referral.triage_due_at


@pytest.mark.parametrize("path", ["/deadlines/", "/deadlines/calendar/", "/deadlines/board/"])
def test_pages_do_a_bounded_number_of_queries(
    path, client_for, supervisor, investigator, north_case, django_assert_max_num_queries
):
    due = datetime.now(UTC) + timedelta(days=2)
    for n in range(15):
        services.deadline_start(
            actor=investigator,
            kind="court_date",
            case=north_case,
            due_at=due + timedelta(hours=n),
            owner=supervisor if n % 2 else investigator,
        )
    client = client_for(supervisor)
    with django_assert_max_num_queries(14):
        assert client.get(path).status_code == 200


def test_an_administrator_edits_rules_in_the_admin(client_for, administrator):
    client = client_for(administrator)
    page = client.get("/admin/deadlines/deadlinerule/")
    assert page.status_code == 200
    assert "Preservation request to a provider, 18 U.S.C. 2703(f)" in page.content.decode()


def test_an_administrator_changes_a_rule(client_for, administrator):
    from casework.deadlines.models import DeadlineRule

    rule = DeadlineRule.objects.get(kind="case_review")
    client = client_for(administrator)
    form = client.get(f"/admin/deadlines/deadlinerule/{rule.pk}/change/")
    assert form.status_code == 200
    data = {
        field: getattr(rule, field)
        for field in (
            "kind",
            "jurisdiction",
            "priority",
            "name",
            "citation",
            "source_url",
            "duration_months",
            "duration_days",
            "duration_hours",
            "day_count",
            "holiday_country",
            "extension_kind",
            "extension_months",
            "extension_days",
            "notes",
        )
    }
    data.update(
        verify_locally="on",
        end_of_day="on",
        repeats="on",
        active="on",
        reminder_offsets="10d, 1d",
        extensions_allowed="",
    )
    data["duration_days"] = 28
    response = client.post(f"/admin/deadlines/deadlinerule/{rule.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert (rule.duration_days, rule.reminder_offsets) == (28, "10d, 1d")
    data["reminder_offsets"] = "soon"
    response = client.post(f"/admin/deadlines/deadlinerule/{rule.pk}/change/", data)
    assert "is not an offset" in response.content.decode()


def test_an_investigator_cannot_reach_the_rules_admin(client_for, investigator):
    response = client_for(investigator).get("/admin/deadlines/deadlinerule/")
    assert response.status_code in (302, 403, 404)
