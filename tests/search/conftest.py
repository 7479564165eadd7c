"""A small world to search: north's case (investigator leads, teammate assists), a second north
case the investigator is not on, a south case, each with evidence, identifiers, a referral and a
partner request. All synthetic."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from casework.cases.services import case_identifier_add
from tests.cases.factories import make_case
from tests.custody.factories import make_item, make_store
from tests.partners.factories import make_agency, make_request
from tests.referrals.factories import make_referral


@dataclass
class World:
    north_case: object
    other_north_case: object
    south_case: object
    north_item: object
    north_referral: object
    south_referral: object
    north_request: object


@pytest.fixture
def world(investigator, teammate, supervisor, outsider, administrator) -> World:
    north_case = make_case(lead=investigator, assignees=[teammate], title="Synthetic case north")
    other_north_case = make_case(lead=teammate, title="Synthetic harbour review")
    south_case = make_case(lead=outsider, title="Synthetic case south")
    for case, actor in ((north_case, investigator), (south_case, outsider)):
        case_identifier_add(
            actor=actor,
            case=case,
            kind="screen_name",
            raw="user_000003",
            service="Example-Service",
        )
    case_identifier_add(actor=investigator, case=north_case, kind="phone", raw="+44 20 7946 0000")
    case_identifier_add(actor=investigator, case=north_case, kind="ip_address", raw="192.0.2.1")
    case_identifier_add(
        actor=teammate, case=other_north_case, kind="email", raw="x@example.invalid"
    )
    store = make_store(admin=administrator)
    north_item = make_item(
        case=north_case,
        store=store,
        actor=investigator,
        exhibit_number="NX-0042",
        store_identifier="DEMS-2026-004217",
    )
    make_item(
        case=south_case,
        store=store,
        actor=outsider,
        exhibit_number="SX-0042",
        store_identifier="DEMS-2026-994217",
    )
    north_referral = make_referral(
        actor=investigator,
        source_reference="SYN-NORTH-0042",
        identifiers=[{"kind": "screen_name", "value": "User_000003", "service": "example-service"}],
    )
    south_referral = make_referral(
        actor=outsider,
        source_reference="SYN-SOUTH-0042",
        identifiers=[{"kind": "screen_name", "value": "user_000003", "service": "example-service"}],
    )
    agency = make_agency(actor=administrator, name="Example Police Service")
    north_request = make_request(
        actor=investigator, agency=agency, case=north_case, external_reference="FR-REQ-2026-0042"
    )
    make_request(
        actor=outsider, agency=agency, case=south_case, external_reference="FR-REQ-2026-9942"
    )
    return World(
        north_case=north_case,
        other_north_case=other_north_case,
        south_case=south_case,
        north_item=north_item,
        north_referral=north_referral,
        south_referral=south_referral,
        north_request=north_request,
    )
