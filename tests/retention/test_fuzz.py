"""Every retention input, fuzzed: odd text (NUL, control and bidi characters, surrogates, huge),
numbers out of range, wrong types, missing fields, sent to each write route by the people
allowed to use it. The answer is a decision or problem details naming the field, never a 5xx
and never a value PostgreSQL refuses."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.retention.models import DisposalRequest, LegalHold, RetentionReview

pytestmark = pytest.mark.django_db

ODD = st.one_of(
    st.text(max_size=30),
    st.text(min_size=190, max_size=2100),
    st.sampled_from(["", " ", "a\x00b", "a\u202eb", "line\nbreak", "\ud800", "NORTH-2026-000001"]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.dates().map(str),
    st.sampled_from(["2030-02-30", "9999-12-31", "0001-01-01", "2027-06-01"]),
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _payloads(*names):
    return st.fixed_dictionaries({}, optional={name: ODD for name in names})


def _check(response, where):
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json"), where


def test_review_hold_and_disposal_inputs_never_fail_on_the_server(
    api_for, closed_case, supervisor, second_supervisor
):
    first, second = api_for(supervisor), api_for(second_supervisor)
    review = RetentionReview.objects.get(case=closed_case, status="pending")

    @FUZZ
    @given(
        retain=_payloads("reason", "next_review_on"),
        dispose=_payloads("reason"),
        hold=_payloads("reason", "authority"),
        new_hold=_payloads("record", "reason", "authority"),
        lift=_payloads("lift_reason"),
        note=_payloads("note"),
    )
    def fuzz(retain, dispose, hold, new_hold, lift, note):
        pending = RetentionReview.objects.filter(case=closed_case, status="pending").first()
        pk = (pending or review).pk
        for path, body in (
            (f"/api/v1/retention/reviews/{pk}/retain/", retain),
            (f"/api/v1/retention/reviews/{pk}/hold/", hold),
            ("/api/v1/retention/holds/", new_hold),
            (f"/api/v1/retention/reviews/{pk}/dispose/", dispose),
        ):
            _check(first.post(path, body, format="json"), path)
        active = LegalHold.objects.filter(lifted_at__isnull=True).first()
        if active:
            path = f"/api/v1/retention/holds/{active.pk}/lift/"
            _check(first.post(path, lift, format="json"), path)
        disposal = DisposalRequest.objects.filter(status="pending").first()
        if disposal:
            path = f"/api/v1/retention/disposals/{disposal.pk}/reject/"
            _check(second.post(path, note, format="json"), path)

    fuzz()


def test_rule_inputs_never_fail_on_the_server(api_for, administrator):
    api = api_for(administrator)

    @FUZZ
    @given(body=_payloads("record_kind", "outcome", "review_months", "basis", "active"))
    def fuzz(body):
        _check(api.post("/api/v1/retention/rules/", body, format="json"), "rules")

    fuzz()


def test_page_forms_refuse_what_postgresql_would(client_for, closed_case, supervisor):
    web = client_for(supervisor)
    review = RetentionReview.objects.get(case=closed_case, status="pending")
    for value in ("a\x00b", "x" * 2001, "\u202e"):
        response = web.post(
            f"/retention/reviews/{review.pk}/hold/",
            {"hold-reason": value, "hold-authority": value},
        )
        assert response.status_code == 400
        if "\x00" not in value:  # a NUL is refused before any form (the 400 page says so)
            assert "There is a problem" in response.content.decode()
    assert not LegalHold.objects.exists()
