"""The oversight figures API: a filter that means nothing is a 400, never an empty answer."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/oversight/figures/"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"figure": "bogus"}, "figure"),
        ({"unit": "north\x1b"}, "unit"),
        ({"unit": "x" * 500}, "unit"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_it(api_for, supervisor, params, field):
    response = api_for(supervisor).get(URL, params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_known_figures_are_chosen_by_key(api_for, supervisor):
    from casework.oversight.figures import all_figures

    key = all_figures()[0].key
    body = api_for(supervisor).get(URL, {"figure": key}).json()
    assert [figure["key"] for figure in body["figures"]] == [key]
