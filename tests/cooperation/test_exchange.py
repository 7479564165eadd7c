from __future__ import annotations

import io
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.audit.models import AuditEvent
from casework.cases.services import case_identifier_add
from casework.cooperation import services
from casework.cooperation.models import OutgoingPointer, PartnerPointer, PointerExchange, PointerHit
from casework.cooperation.pointer_format import PointerSetError
from casework.core.errors import DomainError
from casework.core.models import Notification
from casework.partners import key_services
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


def export(actor) -> bytes:
    out = io.BytesIO()
    services.pointers_export(actor=actor, out=out)
    return out.getvalue()


def import_(actor, data: bytes):
    return services.pointers_import(actor=actor, source=io.BytesIO(data))


def test_it_exports_fingerprints_and_whom_to_call_never_the_value_or_case(
    shared_case, investigator, supervisor
):
    case_identifier_add(
        actor=investigator, case=shared_case, kind="email", raw="User_8812@Example.COM"
    )
    data = export(supervisor)
    lines = data.decode().splitlines()
    assert len(lines) == 4  # header, one contact, one pointer, signature
    assert '"count":1' in lines[0] and '"issuer":"north.casework.invalid"' in lines[0]
    assert "North Desk" in lines[1]
    for secret in ("user_8812", "User_8812", shared_case.number, "Synthetic case"):
        assert secret.lower() not in data.decode().lower()
    pointer = OutgoingPointer.objects.get()
    assert pointer.handle.hex in lines[2]
    assert AuditEvent.objects.filter(action="pointers.export").count() == 1


def test_it_keeps_a_handle_from_one_export_to_the_next(shared_case, investigator, supervisor):
    case_identifier_add(actor=investigator, case=shared_case, kind="ip_address", raw="192.0.2.7")
    first = export(supervisor).splitlines()[2]
    second = export(supervisor).splitlines()[2]
    assert first == second


def test_it_shares_nothing_of_a_unit_that_did_not_opt_in(sharing_north, outsider, supervisor):
    south_case = make_case(lead=outsider, title="Synthetic case south")
    case_identifier_add(actor=outsider, case=south_case, kind="ip_address", raw="192.0.2.7")
    data = export(supervisor)
    assert b'"count":0' in data.splitlines()[0]


def test_an_investigator_may_not_export(investigator):
    with pytest.raises(DomainError) as error:
        export(investigator)
    assert error.value.status == 403


def test_an_import_matches_our_identifiers_and_tells_the_lead_whom_to_call(
    shared_case, investigator, supervisor, partner
):
    identifier = case_identifier_add(
        actor=investigator, case=shared_case, kind="email", raw="user_8812@example.com"
    )
    exchange = import_(
        supervisor,
        partner.set_bytes([("email", "user_8812@example.com"), ("email", "other@example.com")]),
    )
    assert exchange.pointer_count == 2 and exchange.hits == 1
    hit = PointerHit.objects.get()
    assert hit.identifier == identifier and hit.contact_name == "Duty Officer 0042"
    notice = Notification.objects.get(kind="cooperation.hit")
    assert notice.recipient == investigator
    assert "Duty Officer 0042" in notice.body and "duty.0042@partner.invalid" in notice.body
    assert AuditEvent.objects.filter(action="pointers.import").count() == 1
    assert AuditEvent.objects.filter(action="pointers.match", case_id=shared_case.pk).count() == 1


def test_a_new_identifier_is_matched_against_partner_sets(
    shared_case, investigator, supervisor, partner
):
    import_(supervisor, partner.set_bytes([("phone", "+442079460000")]))
    assert not PointerHit.objects.exists()
    case_identifier_add(actor=investigator, case=shared_case, kind="phone", raw="+44 20 7946 0000")
    assert PointerHit.objects.get().case == shared_case
    assert Notification.objects.filter(kind="cooperation.hit", recipient=investigator).exists()


def test_an_import_replaces_the_partners_previous_set(shared_case, supervisor, partner):
    import_(supervisor, partner.set_bytes([("email", f"a{n}@example.com") for n in range(5)]))
    import_(supervisor, partner.set_bytes([("email", "b@example.com")]))
    assert PartnerPointer.objects.count() == 1
    assert PointerExchange.objects.filter(direction="received").count() == 2


def test_a_tampered_set_is_refused_whole(shared_case, supervisor, partner):
    data = partner.set_bytes([("email", "a@example.com"), ("email", "b@example.com")])
    lines = data.split(b"\n")
    lines[3] = lines[3].replace(b'"c":"c1"', b'"c":"c2"')
    with pytest.raises(PointerSetError) as error:
        import_(supervisor, b"\n".join(lines))
    assert error.value.field_name == "digest" and error.value.line == 5
    assert not PartnerPointer.objects.exists() and not PointerExchange.objects.exists()


def test_an_unsigned_set_is_refused(supervisor, partner):
    data = partner.set_bytes([("email", "a@example.com")])
    unsigned = b"\n".join(data.split(b"\n")[:-2]) + b"\n"
    with pytest.raises(PointerSetError) as error:
        import_(supervisor, unsigned)
    assert error.value.field_name == "signature"


def test_a_set_signed_by_an_unknown_key_is_refused(supervisor, partner):
    with pytest.raises(PointerSetError) as error:
        import_(
            supervisor,
            partner.set_bytes([("email", "a@example.com")], key=Ed25519PrivateKey.generate()),
        )
    assert error.value.field_name == "key_id" and error.value.status == 403


def test_a_set_signed_by_a_revoked_key_or_partner_is_refused(supervisor, administrator, partner):
    data = partner.set_bytes([("email", "a@example.com")])
    import_(supervisor, data)
    key_services.partner_installation_revoke(
        actor=administrator, installation=partner.installation, reason="Agreement ended"
    )
    assert not PartnerPointer.objects.exists()  # their pointers went with them
    with pytest.raises(PointerSetError) as error:
        import_(supervisor, data)
    assert "revoked" in error.value.detail
    assert AuditEvent.objects.filter(action="partner_installation.revoke").exists()


def test_a_rotated_key_is_accepted_and_the_old_one_refused_once_revoked(
    supervisor, administrator, partner
):
    new = Ed25519PrivateKey.generate()
    from casework.cooperation import conf

    added = key_services.partner_key_add(
        actor=administrator,
        installation=partner.installation,
        public_key=conf.public_key_base64(new),
    )
    import_(supervisor, partner.set_bytes([("email", "a@example.com")], key=new))
    old = partner.installation.keys.exclude(pk=added.pk).get()
    key_services.partner_key_revoke(actor=administrator, key=old, reason="Rotated")
    with pytest.raises(PointerSetError):
        import_(supervisor, partner.set_bytes([("email", "a@example.com")]))
    import_(supervisor, partner.set_bytes([("email", "a@example.com")], key=new))


def test_a_set_under_a_group_key_we_do_not_hold_is_refused(supervisor, partner):
    with pytest.raises(PointerSetError) as error:
        import_(supervisor, partner.set_bytes([("email", "a@example.com")], group_key_id="group-9"))
    assert error.value.field_name == "fingerprint_key_id"


def test_only_an_administrator_person_manages_partner_keys(supervisor, partner):
    with pytest.raises(DomainError) as error:
        key_services.partner_key_revoke(
            actor=supervisor, key=partner.installation.keys.get(), reason="x"
        )
    assert error.value.status == 403


def test_confirmation_is_recorded_on_both_sides(
    shared_case, investigator, supervisor, partner, django_capture_on_commit_callbacks
):
    identifier = case_identifier_add(
        actor=investigator, case=shared_case, kind="email", raw="a@example.com"
    )
    their_handle = uuid.uuid4()
    import_(supervisor, partner.set_bytes([("email", "a@example.com")], handles=[their_handle]))
    export(supervisor)
    hit = PointerHit.objects.get()
    # Our side: the lead confirms after the call.
    services.pointer_hit_confirm(actor=investigator, case_number=shared_case.number, hit_id=hit.pk)
    hit.refresh_from_db()
    assert hit.confirmed_at is not None and hit.confirmed_by == investigator
    message = services.confirmation_message(hit)
    assert their_handle.hex.encode() in message
    assert (
        identifier.normal_value.encode() not in message
        and shared_case.number.encode() not in message
    )
    # Their side confirms ours: we record that the partner confirmed.
    ours = OutgoingPointer.objects.get(identifier=identifier).handle
    import base64
    import hashlib
    import json

    from casework.cooperation import pointer_format as fmt

    body = {
        "confirmed": "2026-03-02T10:00:00Z",
        "handle": ours.hex,
        "issuer": partner.issuer,
        "key_id": partner.installation.keys.get().key_id,
        "their_handle": their_handle.hex,
    }
    signature = partner.key.sign(
        fmt.SIGNED_PREFIX + hashlib.sha256(fmt.canonical(body)).hexdigest().encode()
    )
    envelope = json.dumps(
        {"confirmation": body, "signature": base64.b64encode(signature).decode()}
    ).encode()
    services.pointer_confirmation_receive(
        actor=None, installation=partner.installation, message=envelope
    )
    hit.refresh_from_db()
    assert hit.partner_confirmed_at is not None
    assert AuditEvent.objects.filter(action="pointers.hit_confirm").count() == 2


def test_an_outsider_cannot_confirm_a_hit(shared_case, investigator, supervisor, partner, outsider):
    case_identifier_add(actor=investigator, case=shared_case, kind="email", raw="a@example.com")
    import_(supervisor, partner.set_bytes([("email", "a@example.com")]))
    hit = PointerHit.objects.get()
    with pytest.raises(DomainError) as error:
        services.pointer_hit_confirm(actor=outsider, case_number=shared_case.number, hit_id=hit.pk)
    assert error.value.status == 404
