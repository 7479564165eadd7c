"""Walk every route of the project (``django.urls.get_resolver()``, includes followed) as the
investigator, the supervisor and the auditor of a unit (North) that has no part in the records of
another (South), and prove that nothing of South leaks:

- a route that names one of South's records (its case number, a referral, a deadline, an
  evidence item, a hash set, a transfer, a retention review…) answers exactly as it answers for
  a record that does not exist — same status (404, or 403/405 before any look-up), same body
  once the names are swapped — for GET, POST and, on the API, PATCH;
- every page, list, export, feed and search without parameters shows none of South's texts,
  and shows North exactly what it showed before South's records existed (so no count, total or
  figure moves either); a search or filter for South's number or identifiers answers as a search
  for something that does not exist.

A new route is walked as soon as it exists when it has no parameters or only a case number; a
route with other parameters must be given its record in ``RECORD_OF`` (or a shared record in
``SHARED``, or a reason in ``NOT_WALKED``), else ``test_every_route_is_walked_or_listed`` fails.

South's records are made once for the module (inside a transaction rolled back at the end), each
test in its own savepoint. The walk's machinery is ``tests/no_leak.py``."""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.db import transaction
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
from casework.oversight.registry import all_figures
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
from tests.no_leak import Route, body_of, difference, normalised, project_routes, swapped
from tests.partners.factories import make_agency, make_communication, make_contact, make_request
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

PERSONAS = ("investigator", "supervisor", "auditor")

# --- what each route names -------------------------------------------------------------------

# A parameter that means the same record wherever it appears.
BY_PARAM = {"number": "case", "reference": "deadline", "username": "person", "event_id": "event"}

# The records other parameters name, route by route.
RECORD_OF: dict[str, dict[str, str]] = {
    **{
        f"referrals-api:{name}": {"pk": "referral"}
        for name in ("referral", "triage", "accept", "decline", "refer-out", "identifiers")
    },
    **{
        f"referrals:{name}": {"pk": "referral"}
        for name in ("detail", "triage", "priority", "accept", "decline", "refer-out")
    },
    "referrals:identifier-add": {"pk": "referral"},
    "cases-api:task": {"pk": "task"},
    "cases-api:victim": {"pk": "victim"},
    "cases:deconflict": {"pk": "identifier"},
    "cases:victim-update": {"pk": "victim"},
    "cases:victim-safeguarding": {"pk": "victim"},
    "cases:task-toggle": {"pk": "task"},
    "partners:request": {"pk": "request"},
    "partners:request-status": {"pk": "request"},
    "partners:communication": {"pk": "communication"},
    **{
        f"partners:{name}": {"pk": "referral"}
        for name in (
            "referral",
            "referral-communication-new",
            "referral-communications-csv",
            "referral-request-new",
            "referral-refer-out",
        )
    },
    "partners-api:communication": {"pk": "communication"},
    "partners-api:request": {"pk": "request"},
    "partners-api:request-status": {"pk": "request"},
    **{
        f"custody-api:{name}": {"public_id": "item"}
        for name in ("item", "item-hashes", "item-events", "item-sign-offs", "item-report")
    },
    "custody-api:event-acknowledge": {"pk": "custody_event"},
    "custody-api:sign-off-countersign": {"pk": "sign_off"},
    "custody-api:sign-off-refuse": {"pk": "sign_off"},
    **{
        f"custody:{name}": {"public_id": "item"}
        for name in (
            "item",
            "event-create",
            "hash-create",
            "sign-off-request",
            "item-report",
            "item-report-pdf",
        )
    },
    "custody:sign-off-decide": {"pk": "sign_off"},
    "custody:event-acknowledge": {"pk": "custody_event"},
    "hashsets-api:set": {"public_id": "hash_set"},
    "hashsets-api:set-manifest": {"public_id": "hash_set"},
    "hashsets-api:set-sharings": {"public_id": "hash_set"},
    "hashsets-api:sharing-acknowledgement": {"public_id": "sharing"},
    "hashsets:detail": {"public_id": "hash_set"},
    "hashsets:share": {"public_id": "hash_set"},
    "hashsets:acknowledge": {"public_id": "sharing"},
    "case_templates-api:checklist-item": {"pk": "checklist_item"},
    "case_templates:checklist-resolve": {"pk": "checklist_item"},
    "linked_cases-api:transfer-accept": {"pk": "transfer"},
    "linked_cases-api:transfer-decline": {"pk": "transfer"},
    "linked_cases-api:remove": {"pk": "link"},
    "linked_cases:transfer-accept": {"pk": "transfer"},
    "linked_cases:transfer-decline": {"pk": "transfer"},
    "linked_cases:remove": {"pk": "link"},
    "cooperation:key-add": {"pk": "installation"},
    "cooperation:key-revoke": {"pk": "partner_key"},
    "cooperation:installation-revoke": {"pk": "installation"},
    "cooperation:hit-confirm": {"pk": "hit"},
    **{f"retention-api:{name}": {"pk": "review"} for name in ("retain", "dispose", "review-hold")},
    "retention-api:lift": {"pk": "hold"},
    "retention-api:approve": {"pk": "disposal"},
    "retention-api:reject": {"pk": "disposal"},
    **{f"retention:{name}": {"pk": "review"} for name in ("review", "retain", "dispose")},
    "retention:review-hold": {"pk": "review"},
    "retention:hold": {"pk": "hold"},
    **{f"retention:{name}": {"pk": "disposal"} for name in ("disposal", "approve", "reject")},
    "retention:tombstone": {"pk": "tombstone"},
    "accounts:passkey-remove": {"pk": "passkey"},
    "accounts:api-token-issue": {"name": "service_account"},
    "accounts:api-token-rotate": {"pk": "api_token"},
    "accounts:api-token-revoke": {"pk": "api_token"},
}

# The admin site names users, units, groups, devices and rules, never a case; only staff may
# open it. Every admin route is walked with these records in its parameters.
ADMIN_RECORD = {"object_id": "user", "id": "user", "pk": "user", "content_type_id": "user"}

# Routes whose parameter names a record every signed-in person shares (the partner directory,
# the evidence stores, the templates, the retention schedule, the figures) or one of North's own
# (its calendar feed): walked with those records, their pages read like the pages without
# parameters (nothing of South, nothing changed by South's records).
SHARED: dict[str, str] = {
    "partners:agency": "agency",
    "partners:agency-edit": "agency",
    "partners:contact-new": "agency",
    "partners:contact": "contact",
    "partners:contact-edit": "contact",
    "partners-api:agency": "agency",
    "partners-api:agency-contacts": "agency",
    "partners-api:contact": "contact",
    "partners-api:contact-history": "contact",
    "custody:store-edit": "store",
    "case_templates:detail": "template",
    "case_templates:edit": "template",
    "case_templates-api:template": "template",
    "retention:rule": "rule",
    "deadlines:feed": "north_feed",
    "oversight:figure-csv": "figure",
}

# Regular-expression routes, walked at one address each.
LITERAL = {
    "admin:app_list": "/admin/accounts/",
    "admin/(?P<url>.*)$": "/admin/no-such-page/",
    "api-unknown": "/api/v1/no-such-route/",
}

# Lists read again with the filters that widen them (every state, the whole unit, everything
# one may see): South's records are in none of them.
VARIANTS = {
    "deadlines:mine": ["?state=all"],
    "deadlines-api:deadlines": ["?scope=unit", "?scope=visible"],
    "referrals:queue": ["?status=all"],
    "cases-api:cases": ["?scope=unit"],
}

# Pages read once, not searched: what they say depends on no record.
NOT_SEARCHED = {"api-schema", "api-docs"}

NOT_WALKED = {
    "log:tile": "the transparency log's tiles are public by design (C2SP tlog-tiles): hashes "
    "of sealed entries, no text of any record (tests/audit/test_log_http.py)",
    "log:witnessed-checkpoint": "a witness's cosigned checkpoint of the public log, keyed by "
    "the log's origin hash: public by design, names no record (tests/audit/test_witness.py)",
}

# Routes where the auditor reads every unit's trail by design (the auditor sees who did what to
# which case number, never the case's content): the numbers may show, the contents may not; and
# what every change in the installation moves (the auditor's home shows the ledger's state: how
# many events wait to be sealed); and the register of disposals, which the auditor reads for
# every unit (tests/retention/test_pages_and_api.py).
AUDITOR_READS = {
    "home",
    "retention:tombstones",
    "retention-api:tombstones",
    "retention:tombstone",
    "audit:events",
    "audit:export-csv",
    "audit:export-json",
    "audit:flags",
    "audit:case-timeline",
    "audit:person",
    "audit-api:events",
    "audit-api:event-proof",
    "cases:chronology",
    "cases:chronology-csv",
    "cases:chronology-pdf",
    "cases-api:chronology",
}

# Leaks this walk found, each failing until it is mended (then strict xfail fails: remove it).
LEAKS = {
    "case_templates:detail": "a template's page tells anyone signed in how many cases were "
    "opened with each version, counting other units' cases (CaseTemplateVersion.case_count, "
    "casework/case_templates/selectors.py): North's investigator sees 'Cases opened with it: "
    "1' for South's case",
}

# Record routes a persona may open for any value, answering for South's exactly as for a value
# that names nothing (the twin comparison proves it): 200 is allowed there.
OPEN_TO_ANY_VALUE = {
    "audit:person": "the supervisor's trail of a person is filtered to the supervisor's own "
    "unit: for South's investigator it shows what it shows for a name nobody has",
}

MISSING_ID = 2_000_000_007
MISSING_UUID = "00000000-0000-4000-8000-00000000dead"

ROUTES = project_routes()


def _fill(route: Route) -> dict[str, str] | None:
    """Which record each parameter of ``route`` names, or None when the test does not know."""
    table = ADMIN_RECORD if route.text.startswith("admin/") else RECORD_OF.get(route.key, {})
    fill = {name: table.get(name) or BY_PARAM.get(name) for name in route.params}
    return None if None in fill.values() else fill


def _kind(route: Route) -> str:
    if route.key in NOT_WALKED:
        return "listed"
    if route.regex:
        return "page" if route.key in LITERAL else "unplanned"
    if not route.params:
        return "page"
    if route.key in SHARED:
        return "shared"
    return "record" if _fill(route) is not None else "unplanned"


def _of_kind(kind: str) -> list[Route]:
    return [route for route in ROUTES if _kind(route) == kind]


def _params(*kinds: str) -> list:
    """The routes of these kinds for ``parametrize``, a known leak marked as such."""
    return [
        pytest.param(
            route,
            id=route.key,
            marks=[pytest.mark.xfail(strict=True, reason=LEAKS[route.key])]
            if route.key in LEAKS
            else [],
        )
        for kind in kinds
        for route in _of_kind(kind)
    ]


# --- South's records -------------------------------------------------------------------------

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


def _users() -> dict:
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


def _shared_records(world: World, partner_key: Ed25519PrivateKey) -> dict:
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


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("no-leak")
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
    with django_db_blocker.unblock(), overrides, transaction.atomic():
        made = World(users=_users())
        shared = _shared_records(made, partner_key)
        _snapshot(made)
        case = _south_case(made, shared)
        referral = _south_referral(made)
        _south_work(made, shared, case, referral)
        _south_links_and_retention(made, case)
        _south_accounts(made, case)
        _twins(made)
        yield made
        transaction.set_rollback(True)


# --- reading the answers ---------------------------------------------------------------------


def _page_addresses(world: World) -> list[tuple[Route, str]]:
    addresses = []
    for route in _of_kind("page"):
        address = LITERAL.get(route.key) or route.path({})
        addresses += [(route, address + query) for query in ["", *VARIANTS.get(route.key, [])]]
    for route in _of_kind("shared"):
        for values in world.shared[SHARED[route.key]]:
            addresses.append((route, route.path(values)))
    return addresses


def _snapshot(world: World) -> None:
    """How every page looks to North before South's records exist. Taken in a savepoint that
    is rolled back, so that the visits themselves leave nothing the later visits would see."""
    with transaction.atomic():
        for persona in PERSONAS:
            visitor = Visitor(world.users[persona])
            for _route, address in _page_addresses(world):
                response = visitor.ask("get", address)
                world.before[(persona, address)] = (
                    response.status_code,
                    normalised(body_of(response)),
                )
        transaction.set_rollback(True)


def _leaks(text: str, secrets) -> list[str]:
    return sorted(secret for secret in secrets if secret.lower() in text.lower())


def _same(real, twin, swaps: dict[str, str], world: World, where: str) -> None:
    """The answer about the real record is the answer about none, names swapped."""
    real_body, twin_body = body_of(real), body_of(twin)
    assert real.status_code == twin.status_code, (
        f"{where}: {real.status_code} for South's record, {twin.status_code} for none"
    )
    shown = swapped(real_body, swaps)
    leaked = _leaks(shown, world.secrets)
    assert not leaked, f"{where}: shows {leaked}"
    one, other = normalised(shown), normalised(twin_body)
    assert one == other, f"{where}: answers differently for South's record{difference(one, other)}"


# --- the tests -------------------------------------------------------------------------------


def test_every_route_is_walked_or_listed():
    keys = [route.key for route in ROUTES]
    assert len(keys) == len(set(keys)), "two routes share a key"
    unplanned = [route.text for route in ROUTES if _kind(route) == "unplanned"]
    assert not unplanned, (
        "Routes neither walked nor listed: name their records in RECORD_OF (or SHARED), or say "
        f"in NOT_WALKED why they cannot leak: {unplanned}"
    )
    listed = set(RECORD_OF) | set(SHARED) | set(LITERAL) | set(NOT_WALKED) | set(VARIANTS)
    listed |= NOT_SEARCHED
    listed |= set(LEAKS) | set(OPEN_TO_ANY_VALUE)
    stale = listed - set(keys)
    assert not stale, f"Listed routes that no longer exist: {sorted(stale)}"
    assert set(AUDITOR_READS) <= set(keys)


@pytest.mark.parametrize("route", _params("record"))
def test_a_route_naming_a_record_answers_as_for_one_that_does_not_exist(world, route):
    fill = _fill(route)
    real_path = route.path({name: world.values[record][0] for name, record in fill.items()})
    twin_path = route.path({name: world.values[record][1] for name, record in fill.items()})
    swaps = {real_path: twin_path, **world.twins}
    for record in fill.values():
        real, twin = world.values[record]
        if isinstance(real, int):  # a bare number is swapped only as a part of an address
            swaps[f"/{real}/"] = f"/{twin}/"
        else:  # a uuid or a name, safe to swap wherever it shows
            swaps[str(real)] = str(twin)
    methods = ("get", "post", "patch") if route.is_api else ("get", "post")
    if route.text.startswith("admin/"):
        methods = ("get",)  # the admin site sends everyone but staff to sign in, any method
    for persona in PERSONAS:
        visitor = Visitor(world.users[persona])
        if persona == "auditor" and route.key in AUDITOR_READS:
            _auditor_reads(visitor, real_path, world)
            continue
        for method in methods:
            where = f"{persona} {method.upper()} {real_path}"
            real, real_next = _visit(visitor, method, real_path)
            twin, twin_next = _visit(visitor, method, twin_path)
            _same(real, twin, swaps, world, where)
            if real_next is not None:
                _same(real_next, twin_next, swaps, world, f"{where} -> {real['Location']}")
            if method == "get" and route.key not in OPEN_TO_ANY_VALUE:
                assert real.status_code in (302, 403, 404, 405), f"{where}: {real.status_code}"


def _visit(visitor: Visitor, method: str, path: str):
    """The answer, and the page it sends one to: a GET on a form's address goes up to the page
    above it (whoever asks, whether or not the record exists), which must answer as for none
    too. Followed at once, so that the messages it shows are this request's."""
    response = visitor.ask(method, path)
    if response.status_code != 302 or "/sign-in/" in response["Location"]:
        return response, None
    return response, visitor.ask("get", response["Location"])


def _auditor_reads(visitor: Visitor, path: str, world: World) -> None:
    response = visitor.ask("get", path)
    assert response.status_code < 500, f"auditor GET {path}: {response.status_code}"
    leaked = _leaks(body_of(response), world.core)
    assert not leaked, f"auditor GET {path}: shows {leaked}"


@pytest.mark.parametrize("route", _params("page", "shared"))
def test_a_page_list_feed_or_search_shows_nothing_of_the_other_unit(world, route):
    addresses = [address for one, address in _page_addresses(world) if one == route]
    for persona in PERSONAS:
        visitor = Visitor(world.users[persona])
        trail = persona == "auditor" and route.key in AUDITOR_READS
        for address in addresses:
            where = f"{persona} GET {address}"
            response = visitor.ask("get", address)
            assert response.status_code < 500, f"{where}: {response.status_code}"
            body = body_of(response)
            leaked = _leaks(body, world.core if trail else world.secrets)
            assert not leaked, f"{where}: shows {leaked}"
            if trail:
                continue
            before = world.before[(persona, address)]
            now = (response.status_code, normalised(body))
            assert now[0] == before[0], f"{where}: {before[0]} before South's records, {now[0]}"
            assert now[1] == before[1], (
                f"{where}: changed by South's records{difference(now[1], before[1])}"
            )
            if response.status_code == 200 and route.key not in set(LITERAL) | NOT_SEARCHED:
                _probe(visitor, address, world, where)


def _probe(visitor: Visitor, address: str, world: World, where: str) -> None:
    """Search or filter the page for South's number and identifiers: the answer is the answer
    to a search for something that does not exist."""
    joiner = "&" if "?" in address else "?"
    for query in world.probes:
        twin_query = {name: world.twins.get(value, value) for name, value in query.items()}
        real_path = f"{address}{joiner}{urlencode(query)}"
        twin_path = f"{address}{joiner}{urlencode(twin_query)}"
        real, twin = visitor.ask("get", real_path), visitor.ask("get", twin_path)
        swaps = {real_path: twin_path, **world.twins}
        _same(real, twin, swaps, world, f"{where} {urlencode(query)}")


def test_the_texts_looked_for_are_what_south_itself_sees(world):
    """The walk looks for the right texts: South's lead sees each on South's own pages (were
    one stored or shown differently, its absence from North's answers would prove nothing)."""
    lead = Visitor(world.users["lead"])
    number = world.values["case"][0]
    referral = world.values["referral"][0]
    pages = {
        f"/cases/{number}/": [number, TITLE],
        f"/cases/{number}/identifiers/": [IDENTIFIER],
        f"/cases/{number}/notes/": [NOTE],
        f"/referrals/{referral}/": [REFERRAL_IDENTIFIER, REFERRAL_SUMMARY, REFERRAL_REFERENCE],
        f"/custody/cases/{number}/": [f"SOUTHEXH-{TAG}"],
        f"/partners/requests/{world.values['request'][0]}/": [f"Preserve account south_{TAG}"],
        f"/hashsets/{world.values['hash_set'][0]}/": [f"HS-SOUTH-{TAG}"],
    }
    for address, texts in pages.items():
        response = lead.ask("get", address)
        assert response.status_code == 200, address
        assert not set(texts) - set(_leaks(body_of(response), texts)), address
    assert set().union(*pages.values()) <= world.secrets
