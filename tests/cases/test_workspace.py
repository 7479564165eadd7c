"""The case page: its header facts (next deadline, what is overdue, where the case came from,
deconfliction hits) and sections from the other apps, in a bounded number of queries; and a
closed case offering nothing that a closed case refuses."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from casework.cases import services
from casework.deadlines.models import Deadline
from casework.referrals.models import Referral
from tests.cases.factories import make_case
from tests.custody.factories import make_item, make_store
from tests.deadlines.factories import close_case, make_deadline
from tests.partners.factories import make_agency, make_request
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def _header(body: str) -> str:
    return body.split('aria-label="Case facts"', 1)[1].split("</dl>", 1)[0]


@pytest.fixture
def busy_case(investigator, teammate, outsider, administrator):
    case = make_case(lead=investigator, assignees=[teammate], title="Synthetic case 0042")
    referral = make_referral(actor=investigator, source_reference="SYN-REF-0042")
    Referral.objects.filter(pk=referral.pk).update(case=case, status="accepted")
    court = make_deadline(
        actor=investigator, case=case, kind="court_date", due_at=timezone.now() + timedelta(days=3)
    )
    missed = make_deadline(
        actor=investigator, case=case, kind="court_date", due_at=timezone.now() + timedelta(days=9)
    )
    Deadline.objects.filter(pk=missed.pk).update(
        starts_at=timezone.now() - timedelta(days=9), due_at=timezone.now() - timedelta(days=2)
    )
    make_request(actor=investigator, agency=make_agency(actor=administrator), case=case)
    make_item(case=case, store=make_store(admin=administrator), actor=investigator)
    other = make_case(lead=investigator, title="Synthetic case 0043")
    hidden = make_case(lead=outsider, title="Synthetic case south")
    for holder, actor in ((case, investigator), (other, investigator), (hidden, outsider)):
        services.case_identifier_add(actor=actor, case=holder, kind="email", raw="a7@example.org")
    return {"case": case, "court": court, "other": other, "hidden": hidden, "referral": referral}


def test_it_shows_the_header_facts_in_bounded_queries(
    client_for, investigator, busy_case, django_assert_max_num_queries
):
    case = busy_case["case"]
    web = client_for(investigator)
    web.get(f"/cases/{case.number}/")  # warm up session and caches
    # 26 whatever the case holds: a query or two per section, none per row (the checklist
    # costs one for a case without a template, partner agencies' hits one, hash sets two: the
    # newest sets and the register's counts; linked cases two for a case with no link and no
    # shared identifier, and one more for each of those it has: their cases, with whether the
    # viewer may see them). This case shares an identifier and has no link: 25.
    with django_assert_max_num_queries(26):
        response = web.get(f"/cases/{case.number}/")
    assert response.status_code == 200
    body = response.content.decode()
    header = _header(body)
    assert "North" in header or case.unit.name in header
    assert "Next deadline" in header and f"/deadlines/{busy_case['court'].reference}/" in header
    assert "1 deadline overdue" in header
    assert f'href="/referrals/{busy_case["referral"].pk}/">Referral SYN-REF-0042' in header
    assert f'href="/cases/{busy_case["other"].number}/"' in header
    assert busy_case["hidden"].number not in body
    for anchor in ("deadlines", "requests", "evidence", "tasks", "notes"):
        assert f'id="{anchor}"' in body, anchor
    assert f'href="/deadlines/new/?case={case.number}"' in body
    assert "Exhibit EXH-" in body


def test_the_supervisor_sees_the_same_facts_and_the_outsider_nothing(
    client_for, supervisor, outsider, busy_case
):
    case = busy_case["case"]
    body = client_for(supervisor).get(f"/cases/{case.number}/").content.decode()
    assert "1 deadline overdue" in _header(body)
    assert client_for(outsider).get(f"/cases/{case.number}/").status_code == 404


def test_a_closed_case_offers_no_action_it_refuses(client_for, investigator, busy_case):
    case = busy_case["case"]
    close_case(case, actor=investigator)
    web = client_for(investigator)
    body = web.get(f"/cases/{case.number}/").content.decode()
    assert "Closed" in body
    for refused in (
        "+ deadline",
        "Request closure",
        "Change status",
        "Hand over the lead",
        "Record an exhibit",
        "add one",
    ):
        assert refused not in body, refused
    for tab, refused in (
        ("notes", "Add note"),
        ("tasks", "Add task"),
        ("subjects", "Add subject"),
        ("identifiers", "Add identifier"),
    ):
        assert refused not in web.get(f"/cases/{case.number}/{tab}/").content.decode(), tab
    evidence = web.get(f"/custody/cases/{case.number}/").content.decode()
    assert "Record a seized item" not in evidence


def test_a_deadline_added_from_the_case_leads_back_to_it(client_for, investigator, north_case):
    web = client_for(investigator)
    form = web.get(f"/deadlines/new/?case={north_case.number}").content.decode()
    assert re.search(rf'name="case"[^>]*value="{north_case.number}"', form)
    due = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = web.post(
        f"/deadlines/new/?case={north_case.number}",
        {"case": north_case.number, "kind": "court_date", "due_at": due},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{north_case.number}/"
    header = _header(web.get(response["Location"]).content.decode())
    assert "Court date" in header


def test_accepting_a_referral_lands_on_the_new_case(client_for, investigator):
    referral = make_referral(actor=investigator)
    web = client_for(investigator)
    web.post(f"/referrals/{referral.pk}/triage/")
    response = web.post(f"/referrals/{referral.pk}/accept/", {"title": "Synthetic case 0044"})
    referral.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{referral.case.number}/"
    page = web.get(response["Location"]).content.decode()
    assert f"Referral {referral.source_reference}" in _header(page)
