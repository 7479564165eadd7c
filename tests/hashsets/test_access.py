"""Need-to-know on every route of the register: a set of a case one may not see is a 404 on
the web and in the API, its id, store reference and case number absent from every answer,
and nothing is written by trying."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from casework.hashsets import api_urls, urls
from casework.hashsets.models import HashSet, HashSetSharing
from tests.cases.factories import make_case
from tests.custody.factories import make_item
from tests.hashsets.factories import make_hash_set, share

pytestmark = pytest.mark.django_db


def _seed(lead, store):
    case = make_case(lead=lead, title=f"Synthetic restricted case {lead.unit.code}")
    item = make_item(case=case, store=store, actor=lead)
    hash_set = make_hash_set(
        item=item,
        actor=lead,
        set_identifier=f"HS-RESTRICTED-{lead.unit.code}",
        store_reference=f"DEMS-SET-RESTRICTED-{lead.unit.code}",
        counts={"1": 7},
    )
    sharing = share(hash_set=hash_set, actor=lead)
    return {"case": case, "set": hash_set, "sharing": sharing}


def _path(namespace, pattern, records) -> str:
    converters = pattern.pattern.converters
    kwargs = {}
    if "number" in converters:
        kwargs["number"] = records["case"].number
    if "public_id" in converters:
        source = "sharing" if "sharing" in str(pattern.pattern) else "set"
        kwargs["public_id"] = records[source].public_id
    return reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)


def _assert_no_leak(response, records, where):
    body = response.content.decode(errors="replace")
    body = body.replace(f"No case {records['case'].number} that you can see.", "")
    hash_set = records["set"]
    for secret in (
        records["case"].number,
        hash_set.set_identifier,
        hash_set.store_reference,
        str(hash_set.public_id),
    ):
        assert secret not in body, f"{where}: leaked {secret!r}"


def test_no_route_leaks_another_units_hash_set(
    client_for,
    api_for,
    store,
    investigator,
    supervisor,
    outsider,
    outside_supervisor,
    auditor,
    administrator,
):
    north = _seed(investigator, store)
    south = _seed(outsider, store)
    before = (HashSet.objects.count(), HashSetSharing.objects.count())
    matrix = [
        (investigator, south),
        (supervisor, south),
        (outsider, north),
        (outside_supervisor, north),
        (auditor, north),
        (administrator, south),
    ]
    checked = 0
    for user, records in matrix:
        web, api = client_for(user), api_for(user)
        routes = [("web", web, "hashsets", p) for p in urls.urlpatterns]
        routes += [("api", api, "hashsets-api", p) for p in api_urls.urlpatterns]
        for kind, client, namespace, pattern in routes:
            assert isinstance(pattern, URLPattern)
            path = _path(namespace, pattern, records)
            names_record = bool(pattern.pattern.converters)
            where = f"{user.username} {kind} {path}"
            if kind == "api":
                responses = [client.get(path), client.post(path, {}, format="json")]
            else:
                responses = [client.get(path), client.post(path, {"destination": "icse"})]
            for response in responses:
                if names_record:
                    assert response.status_code in (404, 405), f"{where}: {response.status_code}"
                else:
                    assert response.status_code in (200, 400, 404, 405), where
                _assert_no_leak(response, records, where)
                checked += 1
    assert checked > 60
    assert (HashSet.objects.count(), HashSetSharing.objects.count()) == before


def test_the_register_lists_only_sets_of_cases_one_can_see(
    client_for, store, investigator, teammate, outsider
):
    north = _seed(investigator, store)
    south = _seed(outsider, store)
    page = client_for(investigator).get(reverse("hashsets:register"))
    assert north["set"].set_identifier in page.content.decode()
    _assert_no_leak(page, south, "register")
    # A teammate who is not on the case does not see its set either.
    assert (
        north["set"].set_identifier
        not in client_for(teammate).get(reverse("hashsets:register")).content.decode()
    )


def test_opening_a_set_is_audited(client_for, store, investigator):
    from casework.audit.models import AuditEvent

    north = _seed(investigator, store)
    response = client_for(investigator).get(
        reverse("hashsets:detail", args=[north["set"].public_id])
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="hash_set.view", case_id=north["case"].pk).exists()
