"""Linked cases on the case page and in the API: the other case's title never shows to whom
cannot see it; an outsider gets 404."""

from __future__ import annotations

import pytest

from casework.linked_cases import selectors, services
from casework.linked_cases.models import CaseLink

pytestmark = pytest.mark.django_db


def _link(shared, investigator):
    north_case, _ = shared
    [candidate] = selectors.link_candidates(user=investigator, case=north_case)
    other = selectors.case_from_token(user=investigator, case=north_case, token=candidate.token)
    return services.case_link_create(
        actor=investigator, case=north_case, other=other, kind="same_subject"
    )


def test_the_case_page_offers_linking_a_deconfliction_hit(shared, investigator, client_for):
    north_case, south_case = shared
    client = client_for(investigator)
    page = client.get(f"/cases/{north_case.number}/").content.decode()
    assert "Link these cases" in page
    assert south_case.title not in page and south_case.number not in page
    token = selectors.link_candidates(user=investigator, case=north_case)[0].token
    response = client.post(
        f"/linked_cases/cases/{north_case.number}/", {"token": token, "kind": "same_series"}
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{north_case.number}/").content.decode()
    assert "a case of South Unit that you cannot see" in page
    assert south_case.title not in page and south_case.number not in page


def test_linking_an_unknown_number_is_an_error_on_the_form(north_case, investigator, client_for):
    response = client_for(investigator).post(
        f"/linked_cases/cases/{north_case.number}/", {"other": "", "kind": "related"}
    )
    assert response.status_code == 400
    assert "Give the number of the case to link." in response.content.decode()


def test_the_other_lead_sees_the_link_without_the_title(shared, investigator, outsider, client_for):
    north_case, south_case = shared
    _link(shared, investigator)
    page = client_for(outsider).get(f"/cases/{south_case.number}/").content.decode()
    assert "a case of North Unit that you cannot see" in page
    assert north_case.title not in page and north_case.number not in page


def test_the_api_lists_masks_and_links(shared, investigator, outsider, api_for):
    north_case, south_case = shared
    api = api_for(investigator)
    url = f"/api/v1/linked_cases/cases/{north_case.number}/"
    body = api.get(url).json()
    assert body["links"] == []
    [candidate] = body["candidates"]
    assert candidate["other"]["title"] is None and candidate["other"]["number"] is None
    created = api.post(url, {"token": candidate["token"], "kind": "related"}, format="json")
    assert created.status_code == 201
    other_side = api_for(outsider).get(f"/api/v1/linked_cases/cases/{south_case.number}/").json()
    assert other_side["links"][0]["other"]["title"] is None
    assert north_case.title not in str(other_side)
    bad = api.post(url, {"kind": "related"}, format="json")
    assert bad.status_code == 400


@pytest.mark.parametrize("persona", ["outsider", "outside_supervisor", "auditor", "administrator"])
def test_outsiders_get_404(persona, north_case, investigator, client_for, api_for, request):
    from tests.cases.factories import make_case

    other = make_case(lead=investigator, title="Synthetic second case")
    link = services.case_link_create(
        actor=investigator, case=north_case, other=other, kind="related"
    )
    user = request.getfixturevalue(persona)
    assert api_for(user).get(f"/api/v1/linked_cases/cases/{north_case.number}/").status_code == 404
    client = client_for(user)
    url = f"/linked_cases/cases/{north_case.number}/{link.pk}/remove/"
    assert client.post(url).status_code == 404
    assert CaseLink.objects.filter(pk=link.pk).exists()
