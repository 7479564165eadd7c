"""Which act meets a clock, and who may meet, waive or see the buttons for it.

Threat addressed: a clock that says a case was reviewed, a referral triaged or an exhibit
submitted when none of it happened. Such a clock is met only by the service that records the act
(the review, the triage, the partner's answer, the submission), in the same transaction; nobody
can mark it as met by hand. The rest (court dates, safeguarding reviews, clocks started by hand)
are met by hand by the owner, the case team or a supervisor of the unit, with a reason when late.
Waiving is always a supervisor's decision with a reason. The table is in docs/deadlines.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from casework.cases.selectors import is_case_member, is_unit_supervisor

from .choices import DeadlineKind
from .models import Deadline


@dataclass(frozen=True)
class MeetingAct:
    """The act that meets a clock, said as a person would: what to do and where."""

    act: str
    where: str
    url: str = ""

    @property
    def message(self) -> str:
        return (
            f"This deadline is met by {self.act}, {self.where}; it cannot be marked as met by hand."
        )


# Source types written by the apps that start clocks for a record (see their adapters). Strings,
# not imports: those apps depend on this one, never the reverse.
PARTNER_REQUEST_SOURCE = "partners.request"
EVIDENCE_SOURCE = "custody.evidenceitem"


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the app is not installed: the words still say where
        return ""


def meeting_act(deadline: Deadline) -> MeetingAct | None:
    """The act that meets ``deadline``; None when it is met by hand."""
    number = deadline.case.number if deadline.case_id else ""
    if deadline.kind == DeadlineKind.CASE_REVIEW and number:
        return MeetingAct(
            act="recording a case review",
            where="on the case's review page, by a supervisor of the case's unit",
            url=_url("oversight:review-case", number),
        )
    if deadline.kind == DeadlineKind.REFERRAL_TRIAGE and deadline.referral_id:
        return MeetingAct(
            act="triaging the referral (accepting it into a case, declining it or referring it "
            "out)",
            where="on the referral's page",
            url=_url("referrals:detail", deadline.referral_id),
        )
    if deadline.kind == DeadlineKind.AUDIT_WEEKLY_REVIEW:
        return MeetingAct(
            act="recording the unit's weekly audit review",
            where="on the audit flags page, by an auditor or a supervisor",
            url=_url("audit:flags"),
        )
    if deadline.kind == DeadlineKind.RETENTION_REVIEW:
        return MeetingAct(
            act="deciding the retention review (retain with a next review date, dispose, or "
            "place on legal hold)",
            where="in the review queue of Retention, by a supervisor of the unit",
            url=_url("retention:queue"),
        )
    if deadline.source_type == PARTNER_REQUEST_SOURCE:
        return MeetingAct(
            act="recording the partner's answer to the request (fulfilled, refused, expired or "
            "withdrawn; an acknowledgement for a referral out)",
            where="on the request's page in Partners",
            url=_url("partners:request", deadline.source_id),
        )
    if deadline.source_type == EVIDENCE_SOURCE and number:
        return MeetingAct(
            act="recording the exhibit's submission to the national database / ICSE",
            where="as a custody event on the exhibit, in Custody",
            url=_url("custody:case-items", number),
        )
    return None


def may_meet_by_hand(user, deadline: Deadline) -> bool:
    """The owner, the case's lead and assignees, and supervisors of the deadline's unit."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if deadline.owner_id == user.pk or is_unit_supervisor(user, deadline.unit_id):
        return True
    return deadline.case_id is not None and is_case_member(user, deadline.case)


def may_waive(user, deadline: Deadline) -> bool:
    """Nothing is waived silently: a supervisor of the deadline's unit decides, with a reason."""
    return is_unit_supervisor(user, deadline.unit_id)
