"""The custody report states its proof; the PDF says what the HTML says, in any script;
transfers give a reason."""

from __future__ import annotations

import re
import zlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF

from casework.audit import keys, notes
from casework.audit.models import AuditCheckpoint, AuditEvent
from casework.audit.sealing import seal_all
from casework.core.errors import DomainError
from casework.custody import services
from casework.custody.models import CustodyEvent
from tests.custody.factories import SHA256_OF_NOTHING, hand_over_and_verify, make_item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signed_audit_files")]


@pytest.fixture
def chain(case, store, investigator, teammate):
    teammate.first_name, teammate.last_name = "Σοφία", "Дмитриева"
    teammate.save(update_fields=["first_name", "last_name"])
    item = make_item(case=case, store=store, exhibit_number="EXH-001")
    now = timezone.now()
    hand_over_and_verify(item=item, released_by=investigator, examiner=teammate, now=now)
    services.custody_event_record(
        actor=teammate,
        item=item,
        kind="submitted",
        started_at=now - timedelta(hours=4),
        submission_reference="ICSE-SYN-1",
        hash_set_identifier="HS-SYN-7",
        count_new=2,
        count_known=5,
        count_series_matched=1,
    )
    seal_all(sign=True)
    return item


def pdf_text(content: bytes) -> str:
    """The PDF's streams inflated: page text (glyph ids) and the font's ToUnicode map."""
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            parts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            parts.append(stream.decode("latin-1"))
    return "\n".join(parts)


def test_the_report_states_the_signed_note_key_event_ids_and_command(
    client_for, case, chain, investigator
):
    html = client_for(investigator).get(reverse("custody:case-report", args=[case.number]))
    text = html.content.decode()
    checkpoint = AuditCheckpoint.objects.exclude(signed_note="").order_by("-id").first()
    signed = notes.parse(checkpoint.signed_note)[0]
    name, key_id, _ = notes.parse_verifier_key(keys.verifier_key())
    for line in checkpoint.signed_note.strip().splitlines():
        assert line.replace("+", "&#x2B;") in text or line in text
    assert key_id.hex() in text and name in text
    assert bytes(checkpoint.root_hash).hex() not in text  # the root as the note prints it
    assert signed.root.hex() not in text
    assert "python -m casework.audit.verify" in text
    ids = [int(i) for i in re.findall(r'data-audit-event="(\d+)"', text)]
    custody_ids = [
        str(pk)
        for pk in CustodyEvent.objects.filter(item=chain, sequence__gt=1).values_list(
            "pk", flat=True
        )
    ]
    expected = set(
        AuditEvent.objects.filter(
            action="custody_event.create", object_id__in=custody_ids
        ).values_list("pk", flat=True)
    ) | set(
        AuditEvent.objects.filter(
            action="evidence_item.create", object_id=str(chain.pk)
        ).values_list("pk", flat=True)
    )
    assert sorted(ids) == sorted(expected) and len(ids) == 4
    assert "Reason for the transfer: Synthetic hand-over for examination" in text


def test_the_pdf_carries_what_the_html_does_in_any_script(
    client_for, case, chain, investigator, monkeypatch
):
    written: list[str] = []
    normalize = FPDF.normalize_text

    def keep(self, text):
        written.append(text)
        return normalize(self, text)

    monkeypatch.setattr(FPDF, "normalize_text", keep)
    response = client_for(investigator).get(reverse("custody:case-report-pdf", args=[case.number]))
    assert response.status_code == 200
    content = response.content
    assert b"DejaVuSans" in content  # the Unicode font is embedded
    text = pdf_text(content)
    # The ToUnicode map names every character drawn: the Greek and Cyrillic names among them.
    for character in "ΣοφίαДмитриева":
        assert f"<{ord(character):04X}>" in text, character
    # Everything fpdf2 was given to draw, each fact of the HTML report among it.
    drawn = re.sub(r"\s", "", "".join(written))
    for fact in (
        SHA256_OF_NOTHING[:16],  # the examiner's computed hash
        "HS-SYN-7",  # the ICSE hash-set id
        "new 2, known 5, series matched 1",
        f"by {case.lead.get_full_name()}",  # who seized it
        "Synthetic hand-over for examination",
        "audit event #",
    ):
        assert re.sub(r"\s", "", fact) in drawn, fact


def test_a_transfer_needs_a_reason_in_the_service_the_form_and_the_api(
    item, investigator, teammate, client_for, api_for
):
    with pytest.raises(DomainError, match="Say why the item is transferred"):
        services.custody_event_record(
            actor=investigator,
            item=item,
            kind="transferred",
            started_at=timezone.now() - timedelta(hours=1),
            released_by=investigator,
            received_by=teammate,
            seal_state="intact",
        )
    local = timezone.localtime(timezone.now() - timedelta(hours=1))
    page = client_for(investigator).post(
        reverse("custody:event-create", args=[item.public_id]),
        {
            "kind": "transferred",
            "started_at": local.strftime("%Y-%m-%dT%H:%M"),
            "time_zone": timezone.get_current_timezone_name(),
            "released_by": investigator.pk,
            "received_by": teammate.pk,
            "seal_state": "intact",
            "expected_last_event": item.last_event_id,
        },
    )
    assert page.status_code == 200
    assert page.content.decode().count("Say why the item is transferred.") == 2  # summary, field
    api = api_for(investigator).post(
        f"/api/v1/custody/items/{item.public_id}/events/",
        {
            "kind": "transferred",
            "started_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "released_by": investigator.username,
            "received_by": teammate.username,
            "seal_state": "intact",
        },
        format="json",
    )
    assert api.status_code == 400
    assert "transfer_reason" in api.content.decode()
    assert CustodyEvent.objects.filter(item=item).count() == 1
