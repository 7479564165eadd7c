"""``retention_backfill`` gives a review to records that left work before retention existed."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from casework.cases.models import Case
from casework.retention import services
from casework.retention.models import RetentionReview
from tests.cases.factories import make_case

from .conftest import close_case

pytestmark = pytest.mark.django_db


def test_it_starts_missing_reviews_once_and_never_overdue(administrator, investigator, supervisor):
    services.retention_rule_change(
        actor=administrator,
        record_kind="case",
        outcome="no_further_action",
        review_months=72,
        basis="Shipped default",
        active=False,
    )
    old = close_case(make_case(lead=investigator), requester=investigator, approver=supervisor)
    recent = close_case(make_case(lead=investigator), requester=investigator, approver=supervisor)
    Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=365 * 8))
    services.retention_rule_change(
        actor=administrator,
        record_kind="case",
        outcome="no_further_action",
        review_months=72,
        basis="Shipped default",
        active=True,
    )
    out = io.StringIO()
    call_command("retention_backfill", "--dry-run", stdout=out)
    assert "cases: would start 2 reviews" in out.getvalue()
    assert not RetentionReview.objects.exists()

    call_command("retention_backfill", "--batch", "1", stdout=io.StringIO())
    old_review = RetentionReview.objects.get(case=old)
    assert old_review.due_at > timezone.now() + timedelta(days=29)  # not overdue on day one
    assert old_review.deadline.state == "open"
    recent_review = RetentionReview.objects.get(case=recent)
    assert recent_review.due_at.year == timezone.now().year + 6

    out = io.StringIO()
    call_command("retention_backfill", stdout=out)
    assert "cases: started 0 reviews" in out.getvalue()
    assert RetentionReview.objects.count() == 2
