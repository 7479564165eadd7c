"""Case numbers, referral references and exhibits shown on other pages link to their records."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.cases import services
from casework.cases.models import CaseIdentifier
from tests.custody.factories import make_item, make_store
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def test_the_audit_search_shows_the_case_number_linked_not_its_id(
    client_for, supervisor, auditor, north_case
):
    for reader in (supervisor, auditor):
        body = client_for(reader).get(reverse("audit:events"), {"action": "case."}).content.decode()
        chronology = reverse("cases:chronology", args=[north_case.number])
        assert f'<a href="{chronology}">{north_case.number}</a>' in body, reader
        assert f"<td>{north_case.pk}</td>" not in body


def test_the_evidence_pages_link_the_case_and_the_root_exhibit(
    client_for, investigator, administrator, north_case
):
    store = make_store(admin=administrator)
    root = make_item(case=north_case, store=store, actor=investigator, exhibit_number="EXH-900")
    web = client_for(investigator)
    case_url = f'href="/cases/{north_case.number}/"'
    for url in (
        reverse("custody:case-items", args=[north_case.number]),
        reverse("custody:case-report", args=[north_case.number]),
        reverse("custody:item", args=[root.public_id]),
    ):
        assert case_url in web.get(url).content.decode(), url


def test_an_identifier_from_a_referral_links_the_referral(client_for, investigator, north_case):
    referral = make_referral(actor=investigator)
    services.case_identifier_add(
        actor=investigator, case=north_case, kind="email", raw="b2@example.org"
    )
    CaseIdentifier.objects.filter(case=north_case).update(source_referral_id=referral.pk)
    body = client_for(investigator).get(f"/cases/{north_case.number}/identifiers/")
    assert f'href="/referrals/{referral.pk}/"' in body.content.decode()
