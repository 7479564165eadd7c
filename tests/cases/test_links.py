"""Case numbers and referral references shown on other apps' pages link to their records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.custody.factories import make_item, make_store
from tests.deadlines.factories import make_deadline
from tests.partners.factories import make_referral

pytestmark = pytest.mark.django_db


def test_deadline_pages_link_the_case_and_the_referral(north_case, investigator, client_for):
    deadline = make_deadline(
        actor=investigator, case=north_case, due_at=timezone.now() + timedelta(days=3)
    )
    case_href = f'href="{reverse("cases:detail", args=[north_case.number])}"'
    client = client_for(investigator)
    detail = client.get(reverse("deadlines:detail", args=[deadline.reference])).content.decode()
    assert case_href in detail
    assert case_href in client.get(reverse("deadlines:mine")).content.decode()
    month = deadline.due_at.strftime("%Y-%m")
    calendar = client.get(reverse("deadlines:calendar"), {"month": month}).content.decode()
    assert case_href in calendar
    referral = make_referral(actor=investigator)
    triage = make_deadline(
        actor=investigator,
        referral=referral,
        kind="legal_process_response",
        due_at=timezone.now() + timedelta(days=3),
    )
    page = client.get(reverse("deadlines:detail", args=[triage.reference])).content.decode()
    assert f'href="{reverse("referrals:detail", args=[referral.pk])}"' in page


def test_an_exhibit_page_links_its_case(north_case, investigator, administrator, client_for):
    item = make_item(case=north_case, store=make_store(admin=administrator), actor=investigator)
    page = client_for(investigator).get(reverse("custody:item", args=[item.public_id]))
    assert f'href="{reverse("cases:detail", args=[north_case.number])}"' in page.content.decode()


def test_the_referral_queue_links_the_case_a_referral_became(investigator, supervisor, client_for):
    from casework.referrals.services import referral_accept

    referral = make_referral(actor=investigator)
    accepted = referral_accept(actor=supervisor, referral=referral, title="Synthetic case 0042")
    page = client_for(supervisor).get(reverse("referrals:queue"), {"status": "accepted"})
    number = accepted.case.number
    assert f'href="{reverse("cases:detail", args=[number])}"' in page.content.decode()
