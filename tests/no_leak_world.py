"""The records of the no-leak walk (``tests/test_no_leak_everywhere.py``): three units, their
people, what every unit shares (made before North's pages are first read), and South's records
of every kind, each with a text of its own to look for in North's answers."""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from rest_framework.test import APIClient

from casework.accounts import service_accounts
from casework.accounts.models import ApiToken
from casework.audit.models import AuditEvent
from casework.case_templates.models import ChecklistItem
from casework.cases import services as cases
from casework.cooperation import conf as cooperation_conf
from casework.cooperation import services as cooperation
from casework.cooperation.models import PointerHit, SharingUnit
from casework.custody import services as custody
from casework.deadlines import services as deadlines
from casework.linked_cases import services as linked_cases
from casework.oversight.figures import all_figures
from casework.partners import key_services
from casework.partners.models import Agency
from casework.retention import services as retention
from casework.retention.models import RetentionReview, RetentionRule
from tests.case_templates.factories import make_template
from tests.cases.factories import make_case
from tests.clients import BrowserFormClient
from tests.cooperation.conftest import GROUP_SECRET, Partner
from tests.custody.factories import make_item, make_store
from tests.deadlines.factories import make_deadline
from tests.factories import UnitFactory, UserFactory
from tests.hashsets.factories import make_hash_set, share
from tests.partners.factories import make_agency, make_communication, make_contact, make_request
from tests.referrals.factories import make_referral

MISSING_ID = 2_000_000_007
MISSING_UUID = "00000000-0000-4000-8000-00000000dead"

TAG = "zq7731"
TWIN_TAG = "zq4040"
TITLE = f"Synthetic restricted title {TAG}"
OTHER_TITLE = f"Synthetic restricted other title {TAG}"
NOTE = f"Synthetic restricted note body {TAG}"
IDENTIFIER = f"south.restricted_{TAG}@example.org"
REFERRAL_IDENTIFIER = f"south.referral_{TAG}@example.org"
REFERRAL_SUMMARY = f"Synthetic south referral summary {TAG}."
REFERRAL_REFERENCE = f"SOUTH-REF-{TAG}"


@dataclass
class World:
    users: dict = field(default_factory=dict)
    # Record name -> (the real value in an address, the value of a record that does not exist).
    values: dict[str, tuple] = field(default_factory=dict)
    shared: dict[str, list] = field(default_factory=dict)
    # Every text of South's records that must not show to North; the core ones not to the
    # auditor either. ``twins`` gives the stand-in of a text that may appear in an address.
    secrets: set[str] = field(default_factory=set)
    core: set[str] = field(default_factory=set)
    twins: dict[str, str] = field(default_factory=dict)
    probes: list[dict[str, str]] = field(default_factory=list)
    # (persona, address) -> (status, normalised body) before South's records existed.
    before: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)


class Visitor:
    """One persona's web and API clients, signed in as the tests in ``tests/conftest.py`` do."""

    def __init__(self, user) -> None:
        self.user = user
        self._web = None
        self._api = None

    def _web_client(self) -> BrowserFormClient:
        if self._web is None:
            self._web = BrowserFormClient()
            self._web.force_login(self.user)
            session = self._web.session
            device, _ = TOTPDevice.objects.get_or_create(
                user=self.user, name="test", confirmed=True
            )
            session["otp_device_id"] = device.persistent_id
            session.save()
        return self._web

    def _api_client(self) -> APIClient:
        if self._api is None:
            self._api = APIClient()
            self._api.force_authenticate(self.user)
        return self._api

    def ask(self, method: str, path: str):
        if path.startswith("/api/"):
            api = self._api_client()
            reason = {"HTTP_CASEWORK_REASON": "Synthetic probe"}
            if method == "get":
                return api.get(path, **reason)
            return getattr(api, method)(path, {}, format="json", **reason)
        web = self._web_client()
        if method == "get":
            return web.get(path)
        return web.post(path, {"reason": "Synthetic probe", "note": "x"})


def make_users() -> dict:
    north = UnitFactory(code="north", name="North Unit", case_prefix="NORTH")
    south = UnitFactory(code="south", name="South Unit", case_prefix="SOUTH")
    east = UnitFactory(code="east", name="East Unit", case_prefix="EAST")
    people = {
        "investigator": ("inv.north", north, ["investigator"]),
        "supervisor": ("sup.north", north, ["supervisor"]),
        "auditor": ("auditor", None, ["auditor"]),
        "lead": ("inv.south", south, ["investigator"]),
        "teammate": ("inv2.south", south, ["investigator"]),
        "south_supervisor": ("sup.south", south, ["supervisor"]),
        "second_supervisor": ("sup2.south", south, ["supervisor"]),
        "east_supervisor": ("sup.east", east, ["supervisor"]),
    }
    users = {
        role: UserFactory(username=name, unit=unit, roles=roles)
        for role, (name, unit, roles) in people.items()
    }
    users["admin"] = UserFactory(
        username="admin", unit=None, roles=["administrator"], is_staff=True
    )
    users["units"] = {"north": north, "south": south, "east": east}
    return users


def shared_records(world: World, partner_key: Ed25519PrivateKey) -> dict:
    """What every unit shares, made before the snapshot: the directory, a store, a template,
    a partner installation, and North's own calendar feeds."""
    users = world.users
    admin, lead = users["admin"], users["lead"]
    agency = make_agency(actor=lead, name="Example Police Service 7731")
    contact = make_contact(actor=lead, agency=agency, name="Contact Exemple 7731")
    store = make_store(admin=admin)
    template = make_template(admin=admin, name="Synthetic template 7731")
    partner_agency = Agency.objects.create(
        name="Synthetic Police Partner", country="IE", kind="police"
    )
    partner_key_row = key_services.partner_installation_register(
        actor=admin,
        agency=partner_agency,
        issuer="partner.casework.invalid",
        public_key=cooperation_conf.public_key_base64(partner_key),
    )
    # The partner's set is the installation's, imported before South holds the value it
    # points at: South's hit then comes from South's own identifier (``_south_case``).
    SharingUnit.objects.create(
        unit=lead.unit, contact_name="South Desk", contact_email="desk@south.invalid"
    )
    cooperation.pointers_import(
        actor=admin,
        source=BytesIO(
            Partner(key=partner_key, installation=None).set_bytes([("email", IDENTIFIER)])
        ),
    )
    feeds = [
        deadlines.calendar_feed_token_issue(actor=users[persona])
        for persona in ("investigator", "supervisor")
    ]
    world.shared = {
        "agency": [{"pk": agency.pk}],
        "contact": [{"pk": contact.pk}],
        "store": [{"pk": store.pk}],
        "template": [{"pk": template.pk}],
        "rule": [{"pk": RetentionRule.objects.order_by("pk").first().pk}],
        "north_feed": [{"token": token} for token in feeds],
        "figure": [{"key": figure.key} for figure in all_figures()],
    }
    world.values["installation"] = (partner_key_row.installation.pk, MISSING_ID)
    world.values["partner_key"] = (partner_key_row.pk, MISSING_ID)
    world.values["user"] = (lead.pk, MISSING_ID)
    world.values["person"] = (lead.username, "nobody.missing")
    return {"agency": agency, "store": store, "template": template}


def _close(case, users) -> RetentionReview:
    cases.case_close_request(
        actor=users["lead"], case=case, reason="Synthetic reason", outcome="no_further_action"
    )
    cases.case_close_approve(actor=users["south_supervisor"], case=case)
    return RetentionReview.objects.get(case=case, status="pending")


def _south_case(world: World, shared: dict):
    users = world.users
    lead = users["lead"]
    case = cases.case_open(
        actor=lead,
        unit=lead.unit,
        title=TITLE,
        lead=lead,
        template_id=shared["template"].pk,
    )
    cases.case_assign(actor=lead, case=case, user=users["teammate"])
    identifier = cases.case_identifier_add(actor=lead, case=case, kind="email", raw=IDENTIFIER)
    cases.case_note_add(actor=lead, case=case, body=NOTE)
    task = cases.case_task_add(actor=lead, case=case, title=f"Synthetic restricted task {TAG}")
    victim = cases.case_subject_add(actor=lead, case=case, role="victim").victim_record
    world.values.update(
        case=(case.number, re.sub(r"\d+$", lambda m: "9" * len(m[0]), case.number)),
        identifier=(identifier.pk, MISSING_ID),
        task=(task.pk, MISSING_ID),
        victim=(victim.pk, MISSING_ID),
        checklist_item=(ChecklistItem.objects.filter(case=case).first().pk, MISSING_ID),
    )
    world.secrets |= {case.number, TITLE, NOTE, IDENTIFIER, f"Synthetic restricted task {TAG}"}
    world.core |= {TITLE, NOTE, IDENTIFIER}
    return case


def _south_referral(world: World):
    lead = world.users["lead"]
    referral = make_referral(
        actor=lead,
        source_reference=REFERRAL_REFERENCE,
        summary=REFERRAL_SUMMARY,
        identifiers=[{"kind": "email", "value": REFERRAL_IDENTIFIER}],
    )
    world.values["referral"] = (referral.pk, MISSING_ID)
    world.secrets |= {REFERRAL_REFERENCE, REFERRAL_SUMMARY, REFERRAL_IDENTIFIER}
    world.core |= {REFERRAL_SUMMARY, REFERRAL_IDENTIFIER}
    return referral


def _south_work(world: World, shared: dict, case, referral) -> None:
    """Deadlines, partner requests, evidence, hash sets: the work hanging off the case."""
    lead, now = world.users["lead"], timezone.now()
    deadline = make_deadline(
        actor=lead, case=case, kind="court_date", due_at=now + timedelta(days=20)
    )
    agency = shared["agency"]
    request = make_request(
        actor=lead, agency=agency, case=case, summary=f"Preserve account south_{TAG}"
    )
    communication = make_communication(
        actor=lead, agency=agency, case=case, summary=f"Asked about south request {TAG}"
    )
    make_communication(
        actor=lead, agency=agency, referral=referral, summary=f"Told the source {TAG}"
    )
    item = make_item(
        case=case,
        store=shared["store"],
        actor=lead,
        exhibit_number=f"SOUTHEXH-{TAG}",
        store_identifier="DEMS-2026-773101",
    )
    hash_set = make_hash_set(item=item, actor=lead, set_identifier=f"HS-SOUTH-{TAG}")
    sharing = share(hash_set=hash_set, actor=lead)
    sign_off = custody.signoff_request(
        actor=lead,
        item=item,
        kind="disposed",
        started_at=now - timedelta(minutes=30),
        authority=f"Synthetic order {TAG}",
    )
    world.values.update(
        deadline=(deadline.reference, MISSING_UUID),
        request=(request.pk, MISSING_UUID),
        communication=(communication.pk, MISSING_UUID),
        item=(item.public_id, MISSING_UUID),
        custody_event=(item.events.order_by("pk").first().pk, MISSING_ID),
        sign_off=(sign_off.pk, MISSING_ID),
        hash_set=(hash_set.public_id, MISSING_UUID),
        sharing=(sharing.public_id, MISSING_UUID),
    )
    world.secrets |= {
        f"Preserve account south_{TAG}",
        f"Asked about south request {TAG}",
        f"Told the source {TAG}",
        f"SOUTHEXH-{TAG}",
        "DEMS-2026-773101",
        f"HS-SOUTH-{TAG}",
    }


def _south_links_and_retention(world: World, case) -> None:
    """A linked case offered to East and on legal hold; closed cases under review, waiting for
    a second signature, and disposed of (a tombstone)."""
    users = world.users
    lead, supervisor = users["lead"], users["south_supervisor"]
    others = [make_case(lead=lead, title=f"{OTHER_TITLE} {n}") for n in range(4)]
    linked, pending, disposing, disposed = others
    link = linked_cases.case_link_create(actor=lead, case=case, other=linked, kind="related")
    transfer = cases.case_transfer_propose(
        actor=supervisor, case=linked, to_unit=users["units"]["east"], reason=f"Offer {TAG}"
    )
    hold = retention.legal_hold_place(
        actor=supervisor, case=linked, reason=f"Appeal {TAG}", authority=f"Court {TAG}"
    )
    review = _close(pending, users)
    disposal = retention.retention_review_dispose(
        actor=supervisor, review=_close(disposing, users), reason=f"Period passed {TAG}"
    )
    gone = retention.retention_review_dispose(
        actor=supervisor, review=_close(disposed, users), reason=f"Period over {TAG}"
    )
    tombstone = retention.disposal_approve(actor=users["second_supervisor"], request=gone)
    world.values.update(
        link=(link.pk, MISSING_ID),
        transfer=(transfer.pk, MISSING_ID),
        hold=(hold.pk, MISSING_ID),
        review=(review.pk, MISSING_ID),
        disposal=(disposal.pk, MISSING_ID),
        tombstone=(tombstone.pk, MISSING_ID),
    )
    world.secrets |= {other.number for other in others}
    world.secrets |= {f"{OTHER_TITLE} {n}" for n in range(4)} | {f"Offer {TAG}"}
    world.secrets |= {f"Appeal {TAG}", f"Court {TAG}", f"Period passed {TAG}"}


def _south_accounts(world: World, case) -> None:
    """South's service account and passkey; the case's trail and its partner hit."""
    users = world.users
    lead, admin = users["lead"], users["admin"]
    account, _secret = service_accounts.service_account_create(
        name="south-feed", role="investigator", unit=lead.unit, actor=admin
    )
    passkey = WebAuthnCredential.objects.create(
        user=lead,
        name="South laptop",
        confirmed=True,
        credential_id=os.urandom(32),
        public_key=os.urandom(77),
        sign_count=0,
    )
    world.values.update(
        service_account=(account.name, "missing-feed"),
        api_token=(ApiToken.objects.filter(service_account=account).get().pk, MISSING_ID),
        passkey=(passkey.pk, MISSING_ID),
        hit=(PointerHit.objects.get(case=case).pk, MISSING_ID),
        event=(AuditEvent.objects.filter(case_id=case.pk).order_by("-pk").first().pk, MISSING_ID),
    )


def _twins(world: World) -> None:
    number, twin_number = world.values["case"]
    world.twins = {number: twin_number}
    for secret in (TITLE, IDENTIFIER, REFERRAL_IDENTIFIER):
        world.twins[secret] = secret.replace(TAG, TWIN_TAG)
    world.probes = [
        {"q": number},
        {"case": number},
        {"case": number, "scope": "visible"},
        {"number": number},
        {"q": IDENTIFIER},
        {"q": REFERRAL_IDENTIFIER},
        {"q": TITLE},
    ]


def south_records(world: World, shared: dict) -> None:
    """South's records of every kind, after the snapshot of North's pages."""
    case = _south_case(world, shared)
    referral = _south_referral(world)
    _south_work(world, shared, case, referral)
    _south_links_and_retention(world, case)
    _south_accounts(world, case)
    _twins(world)


def module_settings(folder):
    """Settings for the module (fast hashing; cooperation and audit keys of its own, in
    ``folder``) and the partner installation's signing key."""
    our_key, partner_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    (folder / "our-key.pem").write_bytes(
        our_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    (folder / "group-keys").write_text(f"group-1 {base64.b64encode(GROUP_SECRET).decode()}\n")
    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        COOP_SIGNING_KEY_FILE=str(folder / "our-key.pem"),
        COOP_GROUP_KEYS_FILE=str(folder / "group-keys"),
        COOP_ISSUER="north.casework.invalid",
        COOP_AGENCY="Synthetic Police North",
        AUDIT_CHECKPOINT_DIR=str(folder / "checkpoints"),
        AUDIT_SIGNING_KEY_FILE=str(folder / "keys" / "audit-signing-key.pem"),
    )
    return overrides, partner_key
