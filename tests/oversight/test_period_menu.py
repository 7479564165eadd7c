"""The dashboard's Period menu names the period the page shows, whatever the query says."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 6, 30, 12, tzinfo=UTC)


def _shown(body: str) -> tuple[str, str]:
    menu = re.search(r'<select name="preset".*?</select>', body, re.S).group(0)
    selected = re.findall(r'<option value="([^"]*)"[^>]*selected', menu)
    assert len(selected) == 1, menu
    period = re.search(r'<p class="lead">\s*(.*?) to (.*?)\s*\(', body, re.S)
    return selected[0], f"{period.group(1)} to {period.group(2)}"


@pytest.mark.parametrize(
    ("query", "preset", "period"),
    [
        ({}, "13w", "1 Apr 2026 to 30 Jun 2026"),
        ({"unit": ""}, "13w", "1 Apr 2026 to 30 Jun 2026"),
        ({"preset": "custom"}, "13w", "1 Apr 2026 to 30 Jun 2026"),
        ({"preset": "4w"}, "4w", "3 Jun 2026 to 30 Jun 2026"),
        ({"preset": "52w"}, "52w", "2 Jul 2025 to 30 Jun 2026"),
        ({"start": "2026-03-01", "end": "2026-03-31"}, "custom", "1 Mar 2026 to 31 Mar 2026"),
    ],
)
def test_the_menu_selects_the_period_the_page_shows(supervisor, client_for, query, preset, period):
    with time_machine.travel(TODAY, tick=False):
        response = client_for(supervisor).get("/oversight/", query)
    assert response.status_code == 200
    assert _shown(response.content.decode()) == (preset, period)
