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
test in its own savepoint. The walk's machinery is ``tests/no_leak.py``, the records
``tests/no_leak_world.py``."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.db import transaction

from tests.no_leak import Route, body_of, difference, normalised, project_routes, swapped
from tests.no_leak_world import (
    IDENTIFIER,
    NOTE,
    REFERRAL_IDENTIFIER,
    REFERRAL_REFERENCE,
    REFERRAL_SUMMARY,
    TAG,
    TITLE,
    Visitor,
    World,
    make_users,
    module_settings,
    shared_records,
    south_records,
)

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

# Leaks this walk found and not yet mended, each walked as a strict xfail: the mend makes it
# fail, and removes it here. (case_templates:detail counted other units' cases: mended.)
LEAKS: dict[str, str] = {}

# Record routes a persona may open for any value, answering for South's exactly as for a value
# that names nothing (the twin comparison proves it): 200 is allowed there.
OPEN_TO_ANY_VALUE = {
    "audit:person": "the supervisor's trail of a person is filtered to the supervisor's own "
    "unit: for South's investigator it shows what it shows for a name nobody has",
}


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


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    overrides, partner_key = module_settings(tmp_path_factory.mktemp("no-leak"))
    with django_db_blocker.unblock(), overrides, transaction.atomic():
        made = World(users=make_users())
        shared = shared_records(made, partner_key)
        _snapshot(made)
        south_records(made, shared)
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
        if isinstance(real, int):
            # A bare number is swapped only as the part of an address it is in this route,
            # with the segment before it ("/checklist/7/"): as any "/7/" it also renamed
            # another record that happened to have the same number (a template in the list a
            # refused request returns to), and the two answers differed for that alone.
            segment = _segment_before(real_path, real)
            swaps[f"/{segment}/{real}/"] = f"/{segment}/{twin}/"
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


def _segment_before(path: str, number: int) -> str:
    """The segment of ``path`` just before ``number`` (``checklist`` in ``/checklist/7/``)."""
    found = re.search(rf"/([^/]+)/{number}/", path)
    assert found, f"{number} is not a segment of {path}"
    return found.group(1)


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
