"""The register's pages: register a set, record a sharing and its acknowledgement, page the
register; errors at the top and at the field; a bounded number of queries; no upload form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.hashsets.models import HashSet, HashSetSharing
from casework.hashsets.selectors import PAGE_SIZE
from tests.hashsets.factories import make_hash_set, share

pytestmark = pytest.mark.django_db


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_registering_a_set_through_the_form(client_for, case, item, investigator):
    web = client_for(investigator)
    url = reverse("hashsets:create", args=[case.number])
    page = web.get(url).content.decode()
    assert 'type="file"' not in page and "multipart" not in page
    data = {
        "item": item.pk,
        "set_identifier": "HS-WEB-1",
        "store_reference": "DEMS-SET-000777",
        "algorithms": ["md5", "sha1"],
        "made_at": _local(timezone.now() - timedelta(hours=1)),
        "counts": "0: 1200, 1: 35, uncategorised: 4",
    }
    response = web.post(url, data)
    hash_set = HashSet.objects.get(set_identifier="HS-WEB-1")
    assert response.status_code == 302
    assert hash_set.counts == {"0": 1200, "1": 35, "uncategorised": 4}
    assert hash_set.total == 1239
    bad = web.post(url, {**data, "set_identifier": "HS-WEB-2", "counts": "one: many"})
    body = bad.content.decode()
    assert bad.status_code == 200
    assert body.count("Write each count as category: number") == 2  # at the top and the field
    assert not HashSet.objects.filter(set_identifier="HS-WEB-2").exists()


def test_recording_a_sharing_and_its_acknowledgement(client_for, hash_set, investigator, agency):
    web = client_for(investigator)
    url = reverse("hashsets:share", args=[hash_set.public_id])
    sent = _local(timezone.now() - timedelta(minutes=30))
    missing_agency = web.post(url, {"destination": "agency", "shared_at": sent})
    body = missing_agency.content.decode()
    assert body.count("Name the receiving agency from the partner directory.") == 2
    assert not HashSetSharing.objects.exists()
    response = web.post(
        url, {"destination": "icse", "shared_at": sent, "reference_received": "ICSE-SYN-9"}
    )
    assert response.status_code == 302
    sharing = HashSetSharing.objects.get()
    detail = web.get(response["Location"]).content.decode()
    assert "The submission clock of the exhibit is met." in detail
    assert "Record the acknowledgement" in detail
    ack_url = reverse("hashsets:acknowledge", args=[sharing.public_id])
    done = web.post(
        ack_url,
        {"acknowledged_at": _local(timezone.now()), "acknowledgement": "Received and loaded"},
    )
    assert done.status_code == 302
    sharing.refresh_from_db()
    assert sharing.acknowledgement == "Received and loaded"


def test_the_register_pages_by_keyset_and_filters(
    client_for, item, investigator, django_assert_max_num_queries
):
    base = item.seized_at + timedelta(hours=1)
    sets = [
        make_hash_set(item=item, actor=investigator, made_at=base + timedelta(minutes=n))
        for n in range(PAGE_SIZE + 3)
    ]
    share(hash_set=sets[0], actor=investigator)
    web = client_for(investigator)
    url = reverse("hashsets:register")
    web.get(url)  # warm the session and navigation caches
    with django_assert_max_num_queries(20):
        first = web.get(url).content.decode()
    assert sets[-1].set_identifier in first
    assert sets[2].set_identifier not in first
    next_url = re.search(r'href="(\?[^"]*after=[^"]+)" rel="next"', first).group(1)
    with django_assert_max_num_queries(20):
        second = web.get(url + next_url.replace("&amp;", "&")).content.decode()
    assert sets[0].set_identifier in second
    assert sets[-1].set_identifier not in second
    waiting = web.get(url, {"state": "awaiting_acknowledgement"}).content.decode()
    assert sets[0].set_identifier in waiting and sets[1].set_identifier not in waiting
    broken = web.get(url, {"after": "not-a-cursor"})
    assert broken.status_code == 200
    assert "This page link is not valid" in broken.content.decode()


def test_the_case_page_shows_the_sets_and_what_waits(client_for, case, hash_set, investigator):
    share(hash_set=hash_set, actor=investigator)
    page = client_for(investigator).get(reverse("cases:detail", args=[case.number]))
    body = page.content.decode()
    assert f"Set {hash_set.set_identifier}" in body
    assert "1 sharing not acknowledged" in body


def test_the_case_page_of_a_case_without_sets_says_so(
    client_for, case, investigator, django_assert_max_num_queries
):
    from casework.hashsets.selectors import case_section

    # One query for a case with no set: nothing to count (the totals are read only for sets).
    with django_assert_max_num_queries(1):
        section = case_section(user=investigator, case=case)
    assert (section.context["total"], section.context["unacknowledged"], section.facts) == (
        0,
        0,
        [],
    )
    body = client_for(investigator).get(reverse("cases:detail", args=[case.number])).content
    assert 'Hash sets shared <span class="text-normal">(0 sets)</span>' in body.decode()
    assert "No hash sets registered." in body.decode()


def test_the_set_page_shows_counts_and_digest_but_offers_no_upload(
    client_for, hash_set, investigator
):
    body = (
        client_for(investigator)
        .get(reverse("hashsets:detail", args=[hash_set.public_id]))
        .content.decode()
    )
    assert "Category 1" in body and "None imported" in body
    assert 'type="file"' not in body and "multipart" not in body
