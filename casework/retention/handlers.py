"""Review clocks started by other apps' events (see ``casework.core.events``): a record leaves
active work (a case closes or is merged away, a referral is declined or referred out) and is
from then on kept under the retention schedule. Handlers run in the publishing service's
transaction. Also the shipped schedule, put back after a test database is flushed."""

from __future__ import annotations

from django.db import connections

from casework.core import events
from casework.referrals.choices import TriageOutcome

from . import services
from .defaults import install_default_rules
from .models import RetentionRule


@events.subscribe(events.CaseClosed)
def schedule_case_review(event: events.CaseClosed) -> None:
    services.retention_review_schedule(actor=event.actor, case=event.case)


@events.subscribe(events.CaseMerged)
def schedule_merged_duplicate_review(event: events.CaseMerged) -> None:
    # The duplicate is closed as merged, its content moved to the original: what stays on it
    # (its number, copies of its notes) is reviewed under the "merged" rule.
    services.retention_review_schedule(actor=event.actor, case=event.duplicate)


@events.subscribe(events.ReferralTriaged)
def schedule_referral_review(event: events.ReferralTriaged) -> None:
    # An accepted referral is part of its case from now on, reviewed and disposed with it.
    if event.outcome in (TriageOutcome.DECLINED, TriageOutcome.REFERRED_OUT):
        services.retention_review_schedule(actor=event.actor, referral=event.referral)


def ensure_default_rules(sender, using="default", **kwargs) -> None:
    """``post_migrate``: a flushed database (transactional tests) has lost the migration's rows."""
    if RetentionRule._meta.db_table in connections[using].introspection.table_names():
        install_default_rules(RetentionRule, only_if_empty=True)
