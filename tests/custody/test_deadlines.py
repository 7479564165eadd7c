from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.custody import services
from casework.deadlines.models import Deadline

pytestmark = pytest.mark.django_db


def test_seizing_starts_the_icse_submission_clock_and_the_submission_meets_it(item, investigator):
    clock = Deadline.objects.get(
        kind="icse_submission", source_type="custody.evidenceitem", source_id=str(item.pk)
    )
    assert clock.case == item.case
    assert clock.state == "open"
    services.custody_event_record(
        actor=investigator,
        item=item,
        kind="submitted",
        started_at=timezone.now() - timedelta(hours=1),
        submission_reference="ICSE-SYN-0002",
    )
    clock.refresh_from_db()
    assert clock.state == "met"
