"""Deadlines made through the service, so rules, reminders and audit hold as in production."""

from __future__ import annotations

from casework.deadlines import services
from casework.deadlines.models import Deadline


def make_deadline(
    *, actor, case=None, referral=None, kind: str = "court_date", **kwargs
) -> Deadline:
    return services.deadline_start(actor=actor, kind=kind, case=case, referral=referral, **kwargs)


def close_case(case, *, actor=None) -> None:
    """Close a case as the cases app does at the end of its closure workflow (status, time,
    and the ``case.closed`` event), without depending on that workflow's approval steps."""
    from django.utils import timezone

    from casework.cases.models import Case
    from casework.core import events

    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now())
    case.refresh_from_db()
    events.publish(events.CaseClosed(case=case, actor=actor or case.lead))
