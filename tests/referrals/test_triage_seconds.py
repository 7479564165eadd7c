"""The stored time to triage (``Referral.triage_seconds``, issue 26): every writer sets it to
exactly what ``EXTRACT(EPOCH FROM (triaged_at - received_at))::float8`` gives, which is what the
dashboard's percentiles sorted before it was stored."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from casework.referrals import services
from casework.referrals.models import Referral, triage_seconds
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def _postgres_seconds(pairs: list[tuple[datetime, datetime]]) -> list[float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (EXTRACT(EPOCH FROM (t - r)))::float8 FROM unnest(%s::timestamptz[], "
            "%s::timestamptz[]) WITH ORDINALITY AS pair(r, t, n) ORDER BY n",
            [[r for r, _ in pairs], [t for _, t in pairs]],
        )
        return [row[0] for row in cursor.fetchall()]


def test_python_computes_the_value_postgresql_does_to_the_last_bit():
    """Microseconds, days apart, negative (triaged before arrival), across years: Python divides
    the exact microseconds; PostgreSQL prints its numeric and parses it as a float. Both are the
    correctly rounded quotient, so they agree on every pair."""
    rng = random.Random(26)
    start = datetime(1990, 1, 1, tzinfo=UTC)
    pairs = []
    for _ in range(3000):
        received = start + timedelta(microseconds=rng.randrange(0, 60 * 365 * 86_400 * 10**6))
        span = timedelta(microseconds=rng.randrange(-86_400 * 10**6, 400 * 86_400 * 10**6))
        pairs.append((received, received + span))
    pairs.append((start, start))
    pairs.append((start, start + timedelta(microseconds=1)))
    expected = _postgres_seconds(pairs)
    assert [triage_seconds(r, t) for r, t in pairs] == expected
    assert triage_seconds(start, None) is None


@pytest.mark.parametrize("finish", ["decline", "accept"])
def test_the_end_of_triage_stores_it(investigator, finish):
    referral = make_referral(actor=investigator)
    assert referral.triage_seconds is None
    if finish == "decline":
        services.referral_decline(actor=investigator, referral=referral, reason="Not a crime")
    else:
        services.referral_accept(actor=investigator, referral=referral, title="Synthetic")
    stored = Referral.objects.values_list("received_at", "triaged_at", "triage_seconds").get(
        pk=referral.pk
    )
    assert stored[2] == _postgres_seconds([(stored[0], stored[1])])[0] is not None


def test_a_writer_that_forgets_it_is_refused(investigator):
    """The check constraint: a triage time without its duration (or a duration without a
    triage time, or another value) would leave the referral out of the percentiles or skew
    them; PostgreSQL refuses the write instead."""
    referral = make_referral(actor=investigator)
    now = datetime.now(UTC)
    for change in (
        {"triaged_at": now},
        {"triage_seconds": 5.0},
        {"triaged_at": now, "triage_seconds": triage_seconds(referral.received_at, now) + 1e-6},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Referral.objects.filter(pk=referral.pk).update(**change)
    Referral.objects.filter(pk=referral.pk).update(
        triaged_at=now, triage_seconds=triage_seconds(referral.received_at, now)
    )
