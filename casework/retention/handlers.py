"""Review clocks started by other apps' events (see ``casework.core.events``): a record leaves
active work (a case closes or is merged away, a referral is declined or referred out) and is
from then on kept under the retention schedule. Handlers run in the publishing service's
transaction."""

from __future__ import annotations

from casework.core import events
from casework.referrals.choices import TriageOutcome

from . import services


@events.subscribe("case.closed")
def schedule_case_review(*, case, actor=None, **_) -> None:
    services.retention_review_schedule(actor=actor, case=case)


@events.subscribe("case.merged")
def schedule_merged_duplicate_review(*, duplicate, actor=None, **_) -> None:
    # The duplicate is closed as merged, its content moved to the original: what stays on it
    # (its number, copies of its notes) is reviewed under the "merged" rule.
    services.retention_review_schedule(actor=actor, case=duplicate)


@events.subscribe("referral.triaged")
def schedule_referral_review(*, referral, outcome, actor=None, **_) -> None:
    # An accepted referral is part of its case from now on, reviewed and disposed with it.
    if outcome in (TriageOutcome.DECLINED, TriageOutcome.REFERRED_OUT):
        services.retention_review_schedule(actor=actor, referral=referral)
