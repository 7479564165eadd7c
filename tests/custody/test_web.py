from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.custody import services
from casework.custody.models import CustodyEvent, EvidenceItem, EvidenceStore
from tests.custody.factories import make_item

pytestmark = pytest.mark.django_db


def item_routes(item):
    kw = {"public_id": item.public_id}
    return [
        reverse("custody:item", kwargs=kw),
        reverse("custody:event-create", kwargs=kw),
        reverse("custody:hash-create", kwargs=kw),
        reverse("custody:sign-off-request", kwargs=kw),
        reverse("custody:item-report", kwargs=kw),
        reverse("custody:item-report-pdf", kwargs=kw),
    ]


def case_routes(case):
    kw = {"number": case.number}
    return [
        reverse("custody:case-items", kwargs=kw),
        reverse("custody:item-create", kwargs=kw),
        reverse("custody:case-report", kwargs=kw),
        reverse("custody:case-report-pdf", kwargs=kw),
        reverse("custody:case-export", kwargs=kw),
    ]


def test_the_outsider_gets_404_on_every_route_and_sees_no_item_in_lists(
    client_for, item, case, outsider, outside_supervisor, auditor
):
    for person in (outsider, outside_supervisor):
        web = client_for(person)
        for url in [*item_routes(item), *case_routes(case)]:
            assert web.get(url).status_code == 404, url
        listing = web.get(reverse("custody:items"))
        assert item.exhibit_number not in listing.content.decode()
    web = client_for(auditor)
    for url in [*item_routes(item), *case_routes(case)]:
        assert web.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(
        action__in=["evidence_item.view", "custody_report.view", "custody_export.case_uco"]
    ).exists()


def test_the_outsider_cannot_post_acknowledgements_or_decisions(
    client_for, item, investigator, teammate, outsider
):
    event = services.custody_event_record(
        actor=investigator,
        item=item,
        kind="transferred",
        transfer_reason="Synthetic hand-over for examination",
        started_at=timezone.now() - timedelta(hours=3),
        released_by=investigator,
        received_by=teammate,
        seal_state="intact",
    )
    sign_off = services.signoff_request(
        actor=investigator,
        item=item,
        kind="disposed",
        started_at=timezone.now() - timedelta(hours=1),
        authority="Order 1",
    )
    web = client_for(outsider)
    assert web.post(reverse("custody:event-acknowledge", args=[event.pk])).status_code == 404
    response = web.post(
        reverse("custody:sign-off-decide", args=[sign_off.pk]), {"decision": "countersign"}
    )
    assert response.status_code == 404


def test_the_teammate_sees_the_item_with_its_chain_and_the_view_is_audited(
    client_for, item, teammate
):
    response = client_for(teammate).get(reverse("custody:item", args=[item.public_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert item.store_identifier in body
    assert "Seized" in body
    assert AuditEvent.objects.filter(
        action="evidence_item.view", actor=teammate, object_id=str(item.pk)
    ).exists()


def test_a_mismatch_shows_a_badge_on_the_item_lists_and_report(
    client_for, case, item, investigator
):
    services.custody_event_record(
        actor=investigator,
        item=item,
        kind="hash_verified",
        started_at=timezone.now() - timedelta(hours=1),
        hash_algorithm="sha256",
        hash_value="1" * 64,
        tool_name="Synthetic hasher",
        tool_version="1",
    )
    web = client_for(investigator)
    for url in (
        reverse("custody:item", args=[item.public_id]),
        reverse("custody:items"),
        reverse("custody:case-items", args=[case.number]),
        reverse("custody:item-report", args=[item.public_id]),
        reverse("custody:case-report", args=[case.number]),
    ):
        assert "hash mismatch" in web.get(url).content.decode(), url


def test_recording_an_item_through_the_form(client_for, case, store, investigator):
    web = client_for(investigator)
    url = reverse("custody:item-create", args=[case.number])
    assert web.get(url).status_code == 200
    data = {
        "store": store.pk,
        "store_identifier": "DEMS-2026-123456",
        "exhibit_number": "EXH-100",
        "kind": "device",
        "seized_at": "2026-11-20T06:30",
        "time_zone": "Europe/London",
        "seized_place": "Synthetic address 9",
        "seizure_authority": "SW-2026-0099",
        "seized_by": investigator.pk,
        "seal_numbers": "BAG-1, BAG-2",
        "hash_algorithm": "sha256",
        "hash_value": "ab" * 32,
    }
    response = web.post(url, data)
    item = EvidenceItem.objects.get(exhibit_number="EXH-100")
    assert response.status_code == 302
    assert item.seal_numbers == ["BAG-1", "BAG-2"]
    assert item.seized_at.isoformat() == "2026-11-20T06:30:00+00:00"
    bad = web.post(url, {**data, "exhibit_number": "EXH-101", "store_identifier": "X-1"})
    assert "does not look like an identifier" in bad.content.decode()
    assert not EvidenceItem.objects.filter(exhibit_number="EXH-101").exists()


def test_recording_a_transfer_keeps_the_local_offset(client_for, item, investigator, teammate):
    web = client_for(investigator)
    url = reverse("custody:event-create", args=[item.public_id])
    local = (timezone.now() - timedelta(hours=2)).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Berlin")
    )
    response = web.post(
        url,
        {
            "kind": "transferred",
            "transfer_reason": "Synthetic hand-over for examination",
            "started_at": local.strftime("%Y-%m-%dT%H:%M"),
            "time_zone": "Europe/Berlin",
            "released_by": investigator.pk,
            "received_by": teammate.pk,
            "seal_state": "intact",
            "expected_last_event": item.last_event_id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = CustodyEvent.objects.get(item=item, sequence=2)
    assert event.local_offset_minutes in (60, 120)
    stale = web.post(
        url,
        {
            "kind": "sealed",
            "started_at": local.strftime("%Y-%m-%dT%H:%M"),
            "time_zone": "Europe/Berlin",
            "expected_last_event": item.last_event_id,
        },
    )
    assert "while you were working" in stale.content.decode()


def test_reports_and_export_are_audited(client_for, case, item, investigator):
    web = client_for(investigator)
    html = web.get(reverse("custody:case-report", args=[case.number]))
    assert "Generated" in html.content.decode()
    assert "audit" in html.content.decode().lower()
    pdf = web.get(reverse("custody:item-report-pdf", args=[item.public_id]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    export = web.get(reverse("custody:case-export", args=[case.number]))
    assert json.loads(export.content)["@graph"][0]["uco-core:name"] == case.number
    actions = set(AuditEvent.objects.filter(actor=investigator).values_list("action", flat=True))
    assert {"custody_report.view", "custody_report.download", "custody_export.case_uco"} <= actions


def test_case_pages_use_a_bounded_number_of_queries(
    client_for, case, store, investigator, teammate, django_assert_max_num_queries
):
    for _ in range(6):
        item = make_item(case=case, store=store)
        services.custody_event_record(
            actor=investigator,
            item=item,
            kind="transferred",
            transfer_reason="Synthetic hand-over for examination",
            started_at=timezone.now() - timedelta(hours=1),
            released_by=investigator,
            received_by=teammate,
            seal_state="intact",
        )
    web = client_for(investigator)
    web.get(reverse("custody:items"))  # warm the session and navigation caches
    for url in (
        reverse("custody:items"),
        reverse("custody:case-items", args=[case.number]),
        reverse("custody:case-report", args=[case.number]),
        reverse("custody:case-export", args=[case.number]),
        reverse("custody:case-report-pdf", args=[case.number]),
    ):
        with django_assert_max_num_queries(30):
            assert web.get(url).status_code == 200


def test_only_administrators_manage_stores(client_for, administrator, investigator):
    assert client_for(investigator).get(reverse("custody:stores")).status_code == 403
    web = client_for(administrator)
    response = web.post(
        reverse("custody:stores"),
        {"name": "Second DEMS", "identifier_pattern": "X-\\d+", "metadata_api_url": ""},
    )
    assert "Anchor the pattern" in response.content.decode()
    response = web.post(
        reverse("custody:stores"),
        {"name": "Second DEMS", "identifier_pattern": "^X-\\d+$", "is_active": "on"},
    )
    assert response.status_code == 302
    assert EvidenceStore.objects.filter(name="Second DEMS").exists()
