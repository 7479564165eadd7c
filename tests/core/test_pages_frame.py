"""The frame every page shares: forms with an error summary, error pages that lead somewhere,
a reloaded form address that leads back to its record, a navigation grouped by role."""

from __future__ import annotations

import re

import pytest
from django import forms

from casework.core.forms import CaseworkForm
from casework.core.navigation import navigation_for, navigation_groups
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


class _ReviewForm(CaseworkForm):
    title = forms.CharField(label="Title")
    count = forms.IntegerField(label="Count")

    def clean(self):
        self.add_error(None, "Nothing was saved: the case changed meanwhile.")
        return super().clean()


def test_it_lists_every_error_once_at_the_top_and_again_at_its_field():
    form = _ReviewForm(data={"title": "", "count": "many"})
    html = form.as_div()
    summary = re.search(
        r'<div class="usa-alert usa-alert--error[^>]*role="alert".*?</div>\s*</div>', html, re.S
    )
    assert summary is not None
    assert '<a href="#id_title">Enter title.</a>' in summary.group(0)
    assert '<a href="#id_count">Enter a whole number.</a>' in summary.group(0)
    assert html.count("Nothing was saved: the case changed meanwhile.") == 1
    assert html.count("Enter title.") == 2  # the summary and the field
    assert '<span class="usa-error-message" id="id_title_error">Enter title.</span>' in html
    assert "title:" not in html.lower()


def test_it_draws_fields_with_the_design_system():
    html = _ReviewForm().as_div()
    assert '<label class="usa-label" for="id_title">Title</label>' in html
    assert 'class="usa-input"' in html
    assert "data-error-summary" not in html


def test_a_missing_page_carries_the_navigation_and_a_way_home(client_for, investigator):
    response = client_for(investigator).get("/cases/NORTH-1999-999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'aria-label="Main"' in page and "Go to your home page" in page


def test_reloading_a_form_address_redirects_to_its_record(client_for, investigator):
    case = make_case(lead=investigator)
    client = client_for(investigator)
    response = client.get(f"/cases/{case.number}/status/")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.number}/"
    deeper = client.get(f"/cases/{case.number}/close/approve/")
    assert deeper["Location"] == f"/cases/{case.number}/"
    assert "only takes a submitted form" in client.get(response["Location"]).content.decode()


def test_a_post_only_address_without_a_page_above_shows_the_405_page(client_for, investigator):
    response = client_for(investigator).get("/accounts/sign-out/")
    assert response.status_code == 405
    page = response.content.decode()
    assert "This address takes a form, not a visit" in page and 'aria-label="Main"' in page
    assert "POST" in response["Allow"]


def test_the_api_keeps_its_own_405(client_for, investigator):
    response = client_for(investigator).delete("/api/v1/me/")
    assert response.status_code == 405
    assert "This address takes a form" not in response.content.decode()


def test_the_navigation_is_grouped_into_menus_by_role(investigator, supervisor, administrator):
    def menus(user, path="/"):
        return {
            g["name"]: [e["label"] for e in g["entries"]]
            for g in navigation_groups(navigation_for(user), path)
        }

    investigator_menus = menus(investigator)
    assert "My cases" in investigator_menus["Work"] and "Calendar" in investigator_menus["Work"]
    assert "Audit" not in investigator_menus and "Admin" not in investigator_menus
    assert "Audit" in menus(supervisor) and "Oversight" in menus(supervisor)
    admin_menus = menus(administrator)
    assert {"Users", "Units", "Evidence stores"} <= set(admin_menus["Admin"])
    current = navigation_groups(navigation_for(investigator), "/cases/mine/")
    work = next(g for g in current if g["name"] == "Work")
    assert work["current"] and [e["label"] for e in work["entries"] if e["current"]] == ["My cases"]


def test_a_refused_page_says_why_and_keeps_the_navigation(client_for, investigator):
    response = client_for(investigator).get("/custody/stores/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot do that here" in page and 'aria-label="Main"' in page


def test_a_server_error_page_carries_the_navigation(rf, investigator):
    from casework.core.error_pages import server_error

    request = rf.get("/")
    request.user = investigator
    response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and 'aria-label="Main"' in page
