"""Every edge validates with one set of validators; what PostgreSQL refuses never reaches it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import UTC, datetime

import pytest
from django import forms
from rest_framework import serializers

import casework
from casework.core import validation
from casework.core.forms import GuardedFieldsMixin as FormGuard
from casework.core.serializers import GuardedFieldsMixin as SerializerGuard


def _casework_classes(base):
    for module_info in pkgutil.walk_packages(casework.__path__, "casework."):
        if ".migrations" in module_info.name or ".management" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, base) and value.__module__ == module.__name__:
                yield value


def test_it_gives_every_form_the_shared_validators():
    found = list(_casework_classes(forms.BaseForm))
    assert len(found) > 20
    unguarded = [f"{c.__module__}.{c.__name__}" for c in found if not issubclass(c, FormGuard)]
    assert unguarded == [], "forms must subclass CaseworkForm or CaseworkModelForm"


def test_it_gives_every_serializer_the_shared_validators():
    found = list(_casework_classes(serializers.BaseSerializer))
    assert len(found) > 20
    unguarded = [
        f"{c.__module__}.{c.__name__}" for c in found if not issubclass(c, SerializerGuard)
    ]
    assert unguarded == [], (
        "serializers must subclass CaseworkSerializer or CaseworkModelSerializer"
    )


@pytest.mark.parametrize(
    ("text", "multiline", "fragment"),
    [
        ("a\x00b", True, "NUL"),
        ("a\x1b[2Jb", True, "U+001B"),
        ("abc\u202egnp.exe", True, "text-direction"),
        ("a\ud800b", True, "lone surrogate"),
        ("two\nlines", False, "one line"),
        ("x" * 201, False, "200 characters"),
    ],
)
def test_it_refuses_text_no_field_may_hold(text, multiline, fragment):
    assert fragment in validation.text_problem(text, multiline=multiline, max_length=200)


def test_it_keeps_ordinary_text_in_any_script():
    assert validation.text_problem("Müller, 李, العربية\n\ttab", multiline=True) == ""


@pytest.mark.parametrize(
    "moment",
    [
        datetime.fromisoformat("0001-01-01T00:00:00+05:00"),
        datetime(1969, 12, 31, 23, 59, tzinfo=UTC),
        datetime(9999, 12, 31, tzinfo=UTC),
        datetime(2020, 1, 1),  # naive
    ],
)
def test_it_refuses_an_implausible_time(moment):
    assert validation.datetime_problem(moment) != ""


def test_it_refuses_a_future_time_where_the_field_says_so():
    assert "future" in validation.datetime_problem(
        datetime(2099, 1, 1, tzinfo=UTC), not_future=True
    )


@pytest.mark.parametrize("number", [True, 80.7, float("inf"), 1e400, "12", 2**31])
def test_it_refuses_what_is_not_a_whole_number_in_range(number):
    assert validation.integer_problem(number, minimum=0, maximum=2**31 - 1) != ""


def test_it_keeps_a_whole_float():
    assert validation.integer_problem(80.0, minimum=0, maximum=65535) == ""


@pytest.mark.parametrize(
    "url", ["/cases/%00/", "/custody/cases/%00/", "/partners/cases/%00/", "/cases/?q=a%00b"]
)
def test_it_answers_400_to_a_nul_in_a_page_address(client, investigator, url):
    client.force_login(investigator)
    response = client.get(url)
    assert response.status_code == 400
    assert b"Nothing was saved" in response.content


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases/?q=a%00b",
        "/api/v1/cases/?kind=a%00",
        "/api/v1/partners/communications/?case=a%00",
        "/api/v1/deadlines/?case=a%00",
        "/api/v1/custody/items/?case=a%00",
    ],
)
def test_it_answers_a_problem_to_a_nul_in_an_api_query(client, investigator, url):
    client.force_login(investigator)
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_it_answers_a_problem_to_a_nul_or_lone_surrogate_in_a_json_body(client, investigator):
    client.force_login(investigator)
    for body in ('{"store": "a\\u0000b"}', '{"store": "a\\ud800b"}', "[" * 100_000 + "]" * 100_000):
        response = client.post("/api/v1/custody/items/", body, content_type="application/json")
        assert response.status_code == 400, body[:30]
        assert response["Content-Type"] == "application/problem+json"


def test_it_keeps_a_valid_surrogate_pair_in_json(client, investigator):
    client.force_login(investigator)
    response = client.post(
        "/api/v1/custody/items/", '{"store": "\\ud83d\\ude00"}', content_type="application/json"
    )
    assert response.status_code != 400 or b"cannot read" not in response.content
