"""The register's oversight figures against numbers worked out by hand on fixture data.

North, March 2026 (UTC), the shipped 30-day submission rule:
- A seized 2 Mar 09:00, shared with ICSE 5 Mar 09:00 (3 days, within), acknowledged 7 Mar;
- B seized 3 Mar 09:00, shared with the national database 10 Apr 09:00 (38 days, late);
- C seized 4 Mar 09:00, never shared;
- D seized 10 Mar 09:00, shared only with another agency 11 Mar 09:00 (not a submission);
- E seized 10 Mar 09:00, shared with ICSE 11 Mar 09:00 (1 day, within), acknowledged 15 Mar.
March: 5 seized, 3 submitted, 2 within the rule (40%), median of 3, 38 and 1 days = 3.0.
Per destination: ICSE 2 sharings, both acknowledged, median 2 and 4 days = 3.0; national 1;
another agency 1. A South item shared with ICSE in March is never counted for North.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from casework.hashsets import services
from casework.oversight.hashset_figures import hash_set_figures
from tests.cases.factories import make_case
from tests.custody.factories import make_item
from tests.hashsets.factories import make_hash_set

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _seize(case, store, actor, when):
    with time_machine.travel(when + timedelta(minutes=5), tick=False):
        item = make_item(case=case, store=store, actor=actor, seized_at=when)
        return make_hash_set(item=item, actor=actor, made_at=when + timedelta(minutes=1))


def _share(hash_set, actor, when, destination="icse", agency=None, acknowledged=None):
    with time_machine.travel(when + timedelta(minutes=5), tick=False):
        sharing = services.hash_set_share(
            actor=actor, hash_set=hash_set, destination=destination, shared_at=when, agency=agency
        )
    if acknowledged:
        with time_machine.travel(acknowledged + timedelta(minutes=5), tick=False):
            services.hash_set_sharing_acknowledge(
                actor=actor, sharing=sharing, acknowledged_at=acknowledged, acknowledgement="Ok"
            )


@pytest.fixture
def register(store, investigator, outsider, agency):
    with time_machine.travel(at(3, 1), tick=False):
        north = make_case(lead=investigator, title="Synthetic case 0101")
        south = make_case(lead=outsider, title="Synthetic case 0102")
    a = _seize(north, store, investigator, at(3, 2))
    b = _seize(north, store, investigator, at(3, 3))
    _seize(north, store, investigator, at(3, 4))
    d = _seize(north, store, investigator, at(3, 10))
    e = _seize(north, store, investigator, at(3, 10))
    s = _seize(south, store, outsider, at(3, 5))
    _share(a, investigator, at(3, 5), acknowledged=at(3, 7))
    _share(b, investigator, at(4, 10), destination="national")
    _share(d, investigator, at(3, 11), destination="agency", agency=agency)
    _share(e, investigator, at(3, 11), acknowledged=at(3, 15))
    _share(s, outsider, at(3, 6))


def _figures(user, shared=False):
    with time_machine.travel(at(5, 1), tick=False):
        page = hash_set_figures(
            user=user,
            unit=None,
            period_start=date(2026, 3, 1),
            period_end=date(2026, 4, 30),
            shared=shared,
        )
    return {result.key: result for result in page.figures}


NORTH_MARCH = {
    "month": "Mar 2026",
    "seized": 5,
    "submitted": 3,
    "within": 2,
    "share_within": 0.4,
    "median_days": 3.0,
}
NORTH_ICSE = {
    "destination": "INTERPOL ICSE",
    "sharings": 2,
    "sets": 2,
    "acknowledged": 2,
    "median_ack_days": 3.0,
}


def test_time_to_submission_matches_the_hand_count(register, supervisor):
    table = _figures(supervisor)["hash_set_submission"].table
    march, april = table.rows
    assert march == NORTH_MARCH
    assert april["seized"] == 0 and april["median_days"] is None


def test_sets_shared_per_destination_match_the_hand_count(register, supervisor):
    rows = {row["destination"]: row for row in _figures(supervisor)["hash_sets_shared"].table.rows}
    assert rows["INTERPOL ICSE"] == NORTH_ICSE
    assert rows["National database"]["sharings"] == 1
    assert rows["Another agency's database"]["sharings"] == 1
    assert rows["Project VIC–style partner"]["sharings"] == 0


def test_for_sharing_outside_small_counts_are_suppressed(register, supervisor):
    result = _figures(supervisor, shared=True)["hash_set_submission"]
    march = result.formatted_rows(shared=True)[0]
    # seized 5 stays; 3 submitted and 2 within are small; 40% of 5 gives 2 away; median of 3.
    assert march == ["Mar 2026", "5", "<5", "<5", "n<5", "n<5"]
    icse = _figures(supervisor, shared=True)["hash_sets_shared"].formatted_rows(shared=True)[1]
    assert icse == ["INTERPOL ICSE", "<5", "<5", "<5", "n<5"]


def test_the_page_is_for_supervisors_only_and_suppresses_on_request(
    register, client_for, supervisor, investigator
):
    url = reverse("oversight:hash-sets")
    query = {"preset": "custom", "start": "2026-03-01", "end": "2026-04-30", "shared": "1"}
    assert client_for(investigator).get(url, query).status_code == 404
    with time_machine.travel(at(5, 1), tick=True):
        body = client_for(supervisor).get(url, query).content.decode()
    assert "Time from seizure to submission of hash sets" in body
    assert "&lt;5" in body and "counts from 1 to 4" in body


# An administrator over all units: one row per unit and month, per unit and destination. South,
# by hand: one item seized 5 Mar, shared with ICSE 6 Mar (1 day, within), not acknowledged.


def test_an_administrator_sees_one_row_per_unit_and_month(register, administrator):
    table = _figures(administrator)["hash_set_submission"].table
    assert [column.key for column in table.columns][:2] == ["unit", "month"]
    assert [(row["unit"], row["month"]) for row in table.rows] == [
        ("North Unit", "Mar 2026"),
        ("North Unit", "Apr 2026"),
        ("South Unit", "Mar 2026"),
        ("South Unit", "Apr 2026"),
    ]
    north_march, _, south_march, south_april = table.rows
    assert north_march == {"unit": "North Unit", **NORTH_MARCH}
    assert south_march == {
        "unit": "South Unit",
        "month": "Mar 2026",
        "seized": 1,
        "submitted": 1,
        "within": 1,
        "share_within": 1.0,
        "median_days": 1.0,
    }
    assert south_april["seized"] == 0 and south_april["median_days"] is None


def test_an_administrator_sees_sets_shared_per_unit_and_destination(register, administrator):
    rows = {
        (row["unit"], row["destination"]): row
        for row in _figures(administrator)["hash_sets_shared"].table.rows
    }
    assert len(rows) == 8  # two units with sharings, four destinations each
    assert rows["North Unit", "INTERPOL ICSE"] == {"unit": "North Unit", **NORTH_ICSE}
    assert rows["South Unit", "INTERPOL ICSE"] == {
        "unit": "South Unit",
        "destination": "INTERPOL ICSE",
        "sharings": 1,
        "sets": 1,
        "acknowledged": 0,
        "median_ack_days": None,
    }
    assert rows["South Unit", "National database"]["sharings"] == 0


def test_per_unit_rows_are_suppressed_one_by_one_for_sharing_outside(register, administrator):
    result = _figures(administrator, shared=True)["hash_set_submission"]
    north_march, _, south_march, south_april = result.formatted_rows(shared=True)
    assert north_march == ["North Unit", "Mar 2026", "5", "<5", "<5", "n<5", "n<5"]
    assert south_march == ["South Unit", "Mar 2026", "<5", "<5", "<5", "n<5", "n<5"]
    assert south_april == ["South Unit", "Apr 2026", "0", "0", "0", "—", "—"]


def test_an_administrator_over_one_unit_sees_that_unit_alone(register, administrator, north):
    with time_machine.travel(at(5, 1), tick=False):
        page = hash_set_figures(
            user=administrator,
            unit=north,
            period_start=date(2026, 3, 1),
            period_end=date(2026, 4, 30),
        )
    assert not page.per_unit
    assert (
        page.figures[0].table.rows[0]["seized"] == 5 and "unit" not in page.figures[0].table.rows[0]
    )


def test_no_record_in_the_period_leaves_no_unit_row(administrator):
    table = _figures(administrator)["hash_set_submission"].table
    assert table.rows == []


def test_the_administrators_page_lists_units_without_a_chart(
    register, client_for, administrator, django_assert_max_num_queries
):
    url = reverse("oversight:hash-sets")
    query = {"preset": "custom", "start": "2026-03-01", "end": "2026-04-30"}
    client = client_for(administrator)
    with time_machine.travel(at(5, 1), tick=True), django_assert_max_num_queries(25):
        body = client.get(url, query).content.decode()
    assert body.count('<th scope="row">South Unit</th>') == 2 + 4
    assert "One row per unit that had a record in the period." in body
    assert "chart-hash_set_submission" not in body
