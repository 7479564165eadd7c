"""Every API operation, fuzzed from its own OpenAPI schema (schemathesis over Hypothesis).

Signed in as the demo investigator on the demo data (``seed_demo``) in real PostgreSQL, each
operation gets generated requests, valid and invalid: odd text, huge and negative numbers, wrong
types, missing fields, real and made-up record ids. Every response must be no 5xx, a documented
status code, a documented content type and a body that matches the schema: what integrators
read in ``/api/v1/schema/`` is what they get.

Bounded for CI: ``FUZZ_EXAMPLES`` examples per operation (``CASEWORK_FUZZ_EXAMPLES`` raises it
for a deeper run); the whole test stays under four minutes on two cores.
"""

from __future__ import annotations

import logging
import os

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Pointer sets travel as JSON Lines (casework/cooperation/api.py): fuzzed as raw bytes.
schemathesis.serializer.alias("application/x-ndjson", "application/octet-stream")

FUZZ_EXAMPLES = int(os.environ.get("CASEWORK_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Ids of real demo records, by path parameter name; filled once the demo data exists so that
# generated requests reach real records as well as missing ones.
KNOWN: dict[str, list] = {}


@pytest.fixture
def api_schema(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    _learn_known_ids()
    from config.wsgi import application

    # As Django's test client does: a request must not close the connection holding the test's
    # transaction (and the demo data in it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _learn_known_ids() -> None:
    from casework.cases.models import Case, CaseNote, CaseTask, VictimRecord
    from casework.custody.models import CustodyEvent, CustodySignOff, EvidenceItem
    from casework.deadlines.models import Deadline
    from casework.partners.models import Agency, Communication, Contact, PartnerRequest
    from casework.referrals.models import Referral

    def ids(model, field="pk", limit=5):
        return list(model.objects.order_by("?").values_list(field, flat=True)[:limit])

    KNOWN.clear()
    KNOWN["number"] = ids(Case, "number", 10)
    KNOWN["public_id"] = [str(v) for v in ids(EvidenceItem, "public_id")]
    KNOWN["reference"] = [str(v) for v in ids(Deadline, "reference")]
    KNOWN["pk"] = [
        *ids(Referral),
        *ids(Agency),
        *ids(Contact),
        *ids(CaseTask),
        *ids(VictimRecord),
        *ids(CaseNote),
        *ids(CustodyEvent),
        *ids(CustodySignOff),
        *[str(v) for v in ids(Communication)],
        *[str(v) for v in ids(PartnerRequest)],
    ]


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    # Half the time swap each id for one of a real record; the rest keeps the generated value.
    strategies = {}
    for name, value in (path_parameters or {}).items():
        real = [v for v in KNOWN.get(name, []) if type(v) is type(value)] or KNOWN.get(name, [])
        strategies[name] = st.sampled_from([value, *real]) if real else st.just(value)
    return st.fixed_dictionaries(strategies)


def _valid_and_invalid(operation):
    # Requests the schema allows and requests it forbids (wrong types, values out of bounds,
    # missing fields): the first must never fail on the server, the second must be a 4xx.
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


@pytest.fixture
def token(db):
    from casework.accounts.models import User

    user = User.objects.get(username="inv.north")
    return Token.objects.get_or_create(user=user)[0].key


@pytest.mark.timeout(max(300, 25 * FUZZ_EXAMPLES))
def test_every_operation_answers_as_its_schema_says(api_schema, token, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")  # thousands of expected 4xx
    # One test, one transaction over the demo data, every operation in turn (schemathesis's
    # lazy pytest integration would give each its own test, and each a fresh demo).
    headers = {"Authorization": f"Token {token}"}
    failures: list[str] = []
    figures = {"operations": 0, "cases": 0}
    statuses: dict[int, int] = {}

    for result in api_schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_valid_and_invalid(operation))
        def fuzz(case):
            figures["cases"] += 1
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as failure:  # every operation's failure counts
            failures.append(f"{operation.label}: {failure}")

    print(
        f"fuzzed {figures['operations']} operations with {figures['cases']} generated requests;",
        "answers:",
        ", ".join(f"{code} x{count}" for code, count in sorted(statuses.items())),
    )
    assert not failures, "\n\n".join(failures)
