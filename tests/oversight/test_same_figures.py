"""The aggregate forms of need-to-know (issue 26) count exactly what the joined forms counted.

The oversight figures test a row's case and referral against sets of visible ids
(``semi_join=True``), and a supervisor's own cases through an index-friendly OR, where they
used to join each row's case and referral. These tests keep the forms as they were written
before that change, and compare them with today's on the same history, for every persona:
first the rows each form selects, then every figure of the dashboard. The history is the
dashboard's own (conftest), plus what moves records between units and states: a case
transferred to the other unit (its referral stays behind, and the sending supervisor loses
sight of it), two cases merged, a case suspended and taken up again, a closure refused, a task
done and reopened, a case of the other unit granted to one person, and a referral still
waiting.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import time_machine
from django.db.models import Exists, OuterRef, Q

from casework.cases.models import Case, CaseUserObjectPermission
from casework.cases.selectors import VIEW_PERMISSION, case_visibility_q
from casework.deadlines.models import Deadline
from casework.deadlines.selectors import deadline_visibility_q
from casework.oversight import selectors
from casework.oversight.figures import all_figures
from casework.oversight.registry import Scope
from casework.partners.models import PartnerRequest
from casework.partners.selectors import under_record_visibility_q
from casework.referrals.models import Referral
from casework.referrals.selectors import referral_visibility_q
from tests.oversight.conftest import at
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

PERSONAS = [
    "investigator",
    "teammate",
    "supervisor",
    "outsider",
    "outside_supervisor",
    "administrator",
    "auditor",
]


# --- the forms as they were before issue 26 ------------------------------------------------


def joined_case_visibility_q(user, *, prefix: str = "") -> Q:
    """``case_visibility_q`` before issue 26: EXISTS over the grants, OR the unit."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if prefix:
        visible = Q(
            **{
                f"{prefix}in": CaseUserObjectPermission.objects.filter(
                    user=user, permission__codename=VIEW_PERMISSION
                ).values("content_object_id")
            }
        )
    else:
        visible = Q(
            Exists(
                CaseUserObjectPermission.objects.filter(
                    user=user, permission__codename=VIEW_PERMISSION, content_object=OuterRef("pk")
                )
            )
        )
    if user.has_role("supervisor") and user.unit_id is not None:
        visible |= Q(**{f"{prefix}unit_id": user.unit_id})
    return visible


class JoinedScope(Scope):
    """The dashboard's scope with the joined forms, as computed before issue 26."""

    def cases(self, prefix: str = "") -> Q:
        return self.restrict(
            joined_case_visibility_q(self.user, prefix=prefix), unit_path=f"{prefix}unit"
        )

    def referrals(self) -> Q:
        return self.restrict(referral_visibility_q(self.user), unit_path="unit")

    def deadlines(self) -> Q:
        return self.restrict(deadline_visibility_q(self.user), unit_path="unit")

    def partner_requests(self) -> Q:
        if self.every_unit:
            return Q()
        on_unit = Q(case__unit__in=self.unit_ids) | Q(
            case__isnull=True, referral__unit__in=self.unit_ids
        )
        if self.aggregate_only:
            return on_unit
        return on_unit & under_record_visibility_q(self.user)


def joined(scope: Scope) -> JoinedScope:
    return JoinedScope(**{f.name: getattr(scope, f.name) for f in dataclasses.fields(scope)})


# --- a history that moves records between units and states ----------------------------------


@pytest.fixture
def moved(history, investigator, teammate, supervisor, outsider, outside_supervisor):
    from casework.cases import services as cases
    from casework.referrals import services as referrals
    from tests.partners.factories import make_agency, make_request

    first = history.cases[0]
    with time_machine.travel(at(17), tick=False):
        # A referral of the North accepted into a case that then goes South: the referral and
        # its partner request stay in the North, their case does not.
        leaving = make_referral(actor=investigator, received_at=at(17), priority="P2")
        leaving = referrals.referral_accept(actor=investigator, referral=leaving, lead=investigator)
        agency = make_agency(actor=investigator, name="Example Agency", country="DE")
        make_request(actor=investigator, agency=agency, referral=leaving)
        make_request(actor=investigator, agency=agency, case=leaving.case)
        transfer = cases.case_transfer_propose(
            actor=supervisor, case=leaving.case, to_unit=outsider.unit, reason="Moved south."
        )
        cases.case_transfer_accept(actor=outside_supervisor, transfer=transfer, lead=outsider)
    with time_machine.travel(at(18), tick=False):
        # Two North cases opened twice, merged.
        original = cases.case_open(
            actor=supervisor, unit=supervisor.unit, title="Synthetic case N3", lead=investigator
        )
        duplicate = cases.case_open(
            actor=supervisor, unit=supervisor.unit, title="Synthetic case N4", lead=teammate
        )
        cases.case_merge(
            actor=supervisor, duplicate=duplicate, original=original, reason="Opened twice."
        )
        # Suspended and taken up again; a closure asked for and refused.
        cases.case_change_status(actor=investigator, case=first, status="suspended", reason="x")
        cases.case_change_status(actor=investigator, case=first, status="active", reason="y")
        cases.case_close_request(
            actor=investigator, case=original, reason="Done", outcome="charged", carried={}
        )
        cases.case_close_reject(actor=supervisor, case=original, note="Not yet.")
        # A task done and reopened, past its due time.
        task = cases.case_task_add(
            actor=investigator, case=first, title="Synthetic task", due_at=at(19)
        )
        cases.case_task_complete(actor=investigator, task=task)
        cases.case_task_reopen(actor=investigator, task=task)
        # A South case granted to one North investigator (a grant, not a team place).
        south_case = history.south_cases[0]
        CaseUserObjectPermission.objects.create(
            user=investigator,
            content_object=south_case,
            permission=CaseUserObjectPermission._meta.get_field(
                "permission"
            ).related_model.objects.get(codename=VIEW_PERMISSION),
        )
    with time_machine.travel(at(27), tick=False):
        make_referral(actor=investigator, received_at=at(27), priority="P1")
    return history


def _ids(model, q: Q) -> list[int]:
    return sorted(model.objects.filter(q).values_list("pk", flat=True))


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_form_selects_the_same_rows(persona, moved, request):
    user = request.getfixturevalue(persona)
    assert _ids(Case, case_visibility_q(user)) == _ids(Case, joined_case_visibility_q(user))
    assert _ids(Referral, referral_visibility_q(user, semi_join=True)) == _ids(
        Referral, referral_visibility_q(user)
    )
    assert _ids(Deadline, deadline_visibility_q(user, semi_join=True)) == _ids(
        Deadline, deadline_visibility_q(user)
    )
    assert _ids(PartnerRequest, under_record_visibility_q(user, semi_join=True)) == _ids(
        PartnerRequest, under_record_visibility_q(user)
    )


def test_the_transferred_cases_referral_is_hidden_from_the_sending_supervisor(
    moved, supervisor, outside_supervisor
):
    """The case the history sends South: its referral stays in the North and is hidden from
    the North's supervisor, whichever form is asked."""
    left = Referral.objects.get(case__unit=outside_supervisor.unit, unit=supervisor.unit)
    for semi_join in (False, True):
        visible = Referral.objects.filter(referral_visibility_q(supervisor, semi_join=semi_join))
        assert not visible.filter(pk=left.pk).exists()


def _figures(scope: Scope) -> dict[str, tuple]:
    return {
        figure.key: (
            [column.key for column in figure.compute(scope).columns],
            figure.compute(scope).rows,
        )
        for figure in all_figures()
    }


@pytest.mark.parametrize(
    ("persona", "unit"),
    [
        ("supervisor", None),
        ("outside_supervisor", None),
        ("administrator", None),
        ("administrator", "north"),
        ("administrator", "south"),
    ],
)
def test_every_figure_is_what_the_joined_forms_computed(persona, unit, moved, request):
    user = request.getfixturevalue(persona)
    with time_machine.travel(at(28), tick=False):
        scope = selectors.scope_for(
            user=user, unit=unit, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
        )
        new, old = _figures(scope), _figures(joined(scope))
    assert new == old
    # The history is not empty for the viewer: a figure of zeros would compare equal too.
    assert sum(row.get("received", 0) for row in new["referrals_weekly"][1]) > 0
