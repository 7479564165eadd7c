"""Security headers on every response: a Content-Security-Policy that allows no inline script
or style, and no caching of anything that may show case data; the API schema and its docs only
for signed-in users in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.cases.factories import make_case
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1]
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_page_carries_the_policy_and_is_not_stored(client_for, investigator):
    case = make_case(lead=investigator, title="Synthetic case 0042")
    response = client_for(investigator).get(f"/cases/{case.number}/")
    assert response.status_code == 200
    assert _policy(response) == POLICY
    assert _no_store(response)


def test_an_export_is_not_stored(client_for, investigator):
    make_referral(actor=investigator)
    response = client_for(investigator).get("/referrals/export.csv")
    assert response.status_code == 200
    assert _policy(response) == POLICY
    assert _no_store(response)


def test_an_api_response_is_not_stored(api_for, investigator):
    response = api_for(investigator).get("/api/v1/me/")
    assert response.status_code == 200
    assert _policy(response) == POLICY
    assert _no_store(response)


def test_the_sign_in_page_carries_the_policy():
    response = Client().get("/accounts/sign-in/", follow=True)
    assert _policy(response) == POLICY


def test_no_template_has_inline_script_or_style():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+=|\sstyle=", re.I)
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in Path(settings.BASE_DIR, "casework").rglob("*.html")
        if inline.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_htmx_is_told_not_to_inject_its_indicator_style(client_for, investigator):
    body = client_for(investigator).get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in body


def test_the_custody_report_prints_without_inline_script(client_for, investigator, administrator):
    from tests.custody.factories import make_item, make_store

    case = make_case(lead=investigator)
    make_item(case=case, store=make_store(admin=administrator), actor=investigator)
    body = client_for(investigator).get(f"/custody/cases/{case.number}/report/").content.decode()
    assert "onclick" not in body
    assert "data-print" in body and "custody/print.js" in body


def test_the_api_docs_load_their_script_from_the_site(client_for, investigator):
    response = client_for(investigator).get("/api/v1/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<style" not in body
    assert re.search(r"<script>(?!</script>)", body) is None
    script = client_for(investigator).get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_in_production_the_schema_and_docs_need_a_sign_in(settings, path, client_for, investigator):
    settings.API_DOCS_PUBLIC = False
    assert Client().get(path).status_code in (401, 403)
    assert client_for(investigator).get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_in_development_the_schema_and_docs_are_open(settings, path):
    settings.API_DOCS_PUBLIC = True
    assert Client().get(path).status_code == 200
