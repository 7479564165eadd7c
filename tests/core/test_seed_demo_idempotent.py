"""Running ``seed_demo`` again changes nothing: ``make run`` seeds on every start."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from casework.audit.models import AuditEvent
from casework.partners.models import PartnerRequest

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def test_it_changes_nothing_when_run_a_second_time():
    call_command("seed_demo", stdout=StringIO())
    before, events_before = _row_counts(), AuditEvent.objects.count()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    after = _row_counts()
    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert changed == {}
    assert AuditEvent.objects.count() == events_before
    assert "already seeded, nothing new added" in out.getvalue()
    assert "16 new demo records" not in out.getvalue()

    # The partner demo stays on the one case it was seeded on.
    demo_cases = PartnerRequest.objects.filter(
        summary__endswith="(demo)", case__lead__username="inv.north"
    ).values("case_id")
    assert demo_cases.distinct().count() == 1
