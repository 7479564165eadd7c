from __future__ import annotations

import pytest
from django.db import transaction

from casework.core import events
from casework.core.errors import DomainError
from casework.core.models import Heartbeat
from casework.core.services import heartbeat_record


def test_subscribers_receive_the_payload():
    received = []

    @events.subscribe("test.happened")
    def handler(*, value):
        received.append(value)

    events.publish("test.happened", value=42)
    assert received == [42]


@pytest.mark.django_db
def test_a_refusing_subscriber_rolls_back_the_publishers_write():
    @events.subscribe("test.refused")
    def refuse(**payload):
        raise DomainError("A subscriber refused.")

    with pytest.raises(DomainError), transaction.atomic():
        heartbeat_record(component="worker")
        events.publish("test.refused")
    assert not Heartbeat.objects.exists()
