"""The retention pages and API: the supervisor's queue and decisions, two-person disposal,
the tombstone on a disposed case's page, the administrator's schedule, errors said at the top
and at the field, and need-to-know on every route (404 for everyone else)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from casework.retention import api_urls, services, urls
from casework.retention.models import (
    DisposalRequest,
    LegalHold,
    RetentionReview,
    RetentionRule,
    Tombstone,
)

pytestmark = pytest.mark.django_db


def _review(case) -> RetentionReview:
    return RetentionReview.objects.get(case=case, status="pending")


def test_the_queue_lists_the_units_reviews_with_bounded_queries(
    client_for, closed_case, supervisor, django_assert_max_num_queries
):
    web = client_for(supervisor)
    with django_assert_max_num_queries(20):
        page = web.get("/retention/")
    assert page.status_code == 200
    body = page.content.decode()
    assert closed_case.number in body and "No further action" in body
    assert reverse("retention:review", args=[_review(closed_case).pk]) in body


def test_a_supervisor_retains_from_the_review_page(client_for, closed_case, supervisor):
    web = client_for(supervisor)
    review = _review(closed_case)
    day = (timezone.localdate() + timedelta(days=200)).isoformat()
    response = web.post(
        f"/retention/reviews/{review.pk}/retain/",
        {"retain-reason": "Linked enquiry", "retain-next_review_on": day},
    )
    assert response.status_code == 302
    assert _review(closed_case).previous == review


def test_a_refusal_is_said_at_the_top_and_at_the_field(client_for, closed_case, supervisor):
    web = client_for(supervisor)
    review = _review(closed_case)
    response = web.post(
        f"/retention/reviews/{review.pk}/retain/",
        {"retain-reason": "Kept", "retain-next_review_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert body.count("Give a date on or after") == 2  # the summary and the field
    response = web.post(f"/retention/reviews/{review.pk}/hold/", {"hold-reason": "Appeal"})
    assert response.status_code == 400 and "Enter authority." in response.content.decode()


def test_two_supervisors_dispose_of_a_case_and_its_page_shows_the_tombstone(
    client_for, closed_case, supervisor, second_supervisor, investigator, auditor
):
    first, second = client_for(supervisor), client_for(second_supervisor)
    review = _review(closed_case)
    assert (
        first.post(
            f"/retention/reviews/{review.pk}/dispose/", {"dispose-reason": "Period passed"}
        ).status_code
        == 302
    )
    disposal = DisposalRequest.objects.get(case=closed_case)
    alone = first.post(f"/retention/disposals/{disposal.pk}/approve/", {"approve-note": ""})
    assert alone.status_code == 400 and "Another supervisor" in alone.content.decode()
    done = second.post(f"/retention/disposals/{disposal.pk}/approve/", {"approve-note": ""})
    tombstone = Tombstone.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/retention/disposed/{tombstone.pk}/"
    page = second.get(done["Location"]).content.decode()
    assert closed_case.number in page
    for person in (supervisor, second_supervisor):
        assert (person.get_full_name() or person.username) in page
    case_page = client_for(investigator).get(f"/cases/{closed_case.number}/")
    assert case_page.status_code == 200
    assert "was disposed of" in case_page.content.decode()
    assert "zq_title_7731" not in case_page.content.decode()
    assert client_for(auditor).get("/retention/disposed/").status_code == 200


def test_a_hold_is_placed_by_number_and_lifted(client_for, closed_case, supervisor):
    web = client_for(supervisor)
    response = web.post(
        "/retention/holds/new/",
        {"record": closed_case.number.lower(), "reason": "Appeal", "authority": "Order 12"},
    )
    hold = LegalHold.objects.get()
    assert response.status_code == 302 and hold.case == closed_case
    missing = web.post(
        "/retention/holds/new/", {"record": "NORTH-1999-999999", "reason": "x", "authority": "y"}
    )
    assert missing.status_code == 400
    assert "No case or referral with this number" in missing.content.decode()
    lifted = web.post(f"/retention/holds/{hold.pk}/", {"lift_reason": "Appeal decided"})
    assert lifted.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_at is not None


def test_the_administrator_changes_the_schedule_on_its_page(client_for, administrator):
    web = client_for(administrator)
    rule = RetentionRule.objects.get(record_kind="referral", outcome="declined", current=True)
    assert "Referral declined" in web.get("/retention/schedule/").content.decode()
    bad = web.post(f"/retention/schedule/{rule.pk}/", {"review_months": "0", "basis": "x"})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    good = web.post(
        f"/retention/schedule/{rule.pk}/",
        {"review_months": "18", "basis": "Force policy", "active": "on"},
    )
    assert good.status_code == 302
    assert RetentionRule.objects.get(pk=rule.replaced_by.pk).review_months == 18


def test_the_api_decides_and_refuses_with_problem_details(
    api_for, closed_case, supervisor, second_supervisor
):
    first, second = api_for(supervisor), api_for(second_supervisor)
    queue = first.get("/api/v1/retention/").json()
    assert queue["reviews"][0]["record"] == {"kind": "case", "label": closed_case.number}
    review_id = queue["reviews"][0]["id"]
    bad = first.post(f"/api/v1/retention/reviews/{review_id}/hold/", {"reason": "x"}, format="json")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    assert "authority" in str(bad.json())
    disposal = first.post(
        f"/api/v1/retention/reviews/{review_id}/dispose/", {"reason": "Due"}, format="json"
    ).json()
    alone = first.post(f"/api/v1/retention/disposals/{disposal['id']}/approve/", {}, format="json")
    assert alone.status_code == 403
    done = second.post(f"/api/v1/retention/disposals/{disposal['id']}/approve/", {}, format="json")
    assert done.status_code == 200 and done.json()["label"] == closed_case.number
    assert first.get("/api/v1/retention/disposed/").json()[0]["label"] == closed_case.number


def _routes(module, namespace):
    for pattern in module.urlpatterns:
        assert isinstance(pattern, URLPattern)
        yield namespace, pattern


def _path(namespace, pattern, ids):
    kwargs = {}
    if "pk" in pattern.pattern.converters:
        name = pattern.name
        key = (
            "hold"
            if ("hold" in name and name != "review-hold") or name == "lift"
            else "disposal"
            if name in ("disposal", "approve", "reject")
            else "tombstone"
            if name == "tombstone"
            else "rule"
            if name == "rule"
            else "review"
        )
        kwargs["pk"] = ids[key]
    return reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)


def test_no_retention_route_shows_another_units_records(
    client_for,
    api_for,
    closed_case,
    investigator,
    supervisor,
    second_supervisor,
    outsider,
    outside_supervisor,
    administrator,
):
    """Every route naming a record, as every persona but North's supervisors, answers 404 (or
    405); no route names the case; nothing changes."""
    review = _review(closed_case)
    hold = services.legal_hold_place(
        actor=supervisor, case=closed_case, reason="Synthetic", authority="Order 1"
    )
    services.legal_hold_lift(actor=supervisor, hold=hold, reason="Synthetic")
    disposal = services.retention_review_dispose(
        actor=supervisor, review=_review(closed_case), reason="Synthetic"
    )
    ids = {
        "review": review.pk,
        "hold": hold.pk,
        "disposal": disposal.pk,
        "tombstone": 1,
        "rule": RetentionRule.objects.filter(current=True).first().pk,
    }
    before = (RetentionReview.objects.count(), LegalHold.objects.count(), Tombstone.objects.count())
    checked = 0
    for user in (investigator, outsider, outside_supervisor, administrator):
        web, api = client_for(user), api_for(user)
        routes = [("web", web, r) for r in _routes(urls, "retention")]
        routes += [("api", api, r) for r in _routes(api_urls, "retention-api")]
        for kind, client, (namespace, pattern) in routes:
            path = _path(namespace, pattern, ids)
            if user == administrator and pattern.name in ("schedule", "rule", "rules"):
                continue  # the administrator's own pages
            if kind == "api" and pattern.name == "rules":
                assert client.get(path).status_code == 200  # the schedule is no secret
                assert client.post(path, {}, format="json").status_code in (400, 403)
                continue
            responses = (
                [client.get(path), client.post(path, {}, format="json")]
                if kind == "api"
                else [client.get(path), client.post(path, {"reason": "x", "note": "x"})]
            )
            for response in responses:
                where = f"{user.username} {kind} {path}"
                if kind == "web" and response.status_code == 302:
                    # A GET on a form's address goes up to the page above it, which answers 404.
                    target = response["Location"]
                    assert path.startswith(target), f"{where}: to {target}"
                    assert client.get(target).status_code == 404, f"{where}: {target}"
                    continue
                # Lists and forms with no record in their address are one's own unit's: another
                # unit's supervisor gets theirs (or a form error), never this case.
                allowed = (404, 405) if "pk" in pattern.pattern.converters else (200, 400, 404, 405)
                assert response.status_code in allowed, f"{where}: {response.status_code}"
                assert closed_case.number not in response.content.decode(), where
                checked += 1
    assert checked > 80
    after = (RetentionReview.objects.count(), LegalHold.objects.count(), Tombstone.objects.count())
    assert after == before
    assert LegalHold.objects.get(pk=hold.pk).lifted_at is not None


def test_a_disposed_referrals_page_shows_its_tombstone(
    client_for, investigator, supervisor, second_supervisor
):
    from casework.referrals import services as referrals
    from tests.referrals.factories import make_referral

    referral = make_referral(actor=investigator, summary="Synthetic zq_refpage_7731")
    referrals.referral_decline(actor=investigator, referral=referral, reason="No offence")
    review = RetentionReview.objects.get(referral=referral, status="pending")
    request = services.retention_review_dispose(actor=supervisor, review=review, reason="Due")
    services.disposal_approve(actor=second_supervisor, request=request)
    page = client_for(investigator).get(f"/referrals/{referral.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Referral {referral.pk} was disposed of" in body and "zq_refpage_7731" not in body
