"""Oversight: per template and item, how often it was done on time, late or skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from casework.case_templates import services
from casework.case_templates.models import ChecklistItem
from casework.cases import services as case_services
from casework.oversight.selectors import dashboard
from tests.case_templates.factories import make_template

pytestmark = pytest.mark.django_db

MARCH = {"period_start": date(2026, 3, 1), "period_end": date(2026, 3, 31)}


def _open(actor, template, day):
    with time_machine.travel(datetime(2026, 3, day, 9, tzinfo=UTC), tick=False):
        return case_services.case_open(
            actor=actor, unit=actor.unit, title="Synthetic", lead=actor, template_id=template.pk
        )


def _resolve(actor, case, position, state, *, day, reason=""):
    item = ChecklistItem.objects.get(case=case, position=position)
    with time_machine.travel(datetime(2026, 3, day, 10, tzinfo=UTC), tick=False):
        services.checklist_item_resolve(actor=actor, item=item, state=state, reason=reason)


def test_it_counts_done_late_skipped_and_open_per_item(
    administrator, investigator, supervisor, outsider, outside_supervisor
):
    template = make_template(admin=administrator)
    first, second, third = (_open(investigator, template, day) for day in (2, 3, 4))
    _resolve(investigator, first, 1, "done", day=3)  # due on the 4th: on time
    _resolve(investigator, second, 1, "done", day=10)  # due on the 5th: late
    _resolve(investigator, third, 1, "not_applicable", day=5, reason="No provider data.")
    # Another unit's case is not counted in the north's figures.
    _open(outsider, template, 2)

    board = dashboard(user=supervisor, unit=None, now=datetime(2026, 3, 31, 9, tzinfo=UTC), **MARCH)
    table = board.figure("checklist_outcomes").table
    rows = {row["item"]: row for row in table.rows}
    preserved = rows["The provider's data is preserved"]
    assert (preserved["total"], preserved["done"], preserved["late"], preserved["skipped"]) == (
        3,
        1,
        1,
        1,
    )
    exhibits = rows["Exhibits are recorded in custody"]  # due 30 days after opening
    assert (exhibits["open"], exhibits["overdue"]) == (3, 0)
    told = rows["The source is told the case number"]  # no due time: never overdue
    assert (told["total"], told["open"]) == (3, 3)
    south = (
        dashboard(
            user=outside_supervisor, unit=None, now=datetime(2026, 3, 31, 9, tzinfo=UTC), **MARCH
        )
        .figure("checklist_outcomes")
        .table
    )
    assert {row["total"] for row in south.rows} == {1}
