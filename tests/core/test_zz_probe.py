import pytest
from tests.cases.factories import make_case
pytestmark = pytest.mark.django_db

def test_probe(api_for, investigator):
    case = make_case(lead=investigator)
    api = api_for(investigator)
    for url in [f"/api/v1/cases/{case.number}/notes/", f"/api/v1/cases/{case.number}/identifiers/", "/api/v1/cases/", "/api/v1/deadlines/", "/api/v1/custody/items/", "/api/v1/partners/requests/"]:
        r = api.get(url, HTTP_ACCEPT="text/html")
        print(url, r.status_code)
    for q in ["2[", "http://[x", "a"*5000, "\x01x"]:
        r = api.get("/api/v1/cases/", {"q": q})
        print(repr(q[:10]), r.status_code)
    r = api.post("/api/v1/cases/deconflict/", {"kind":"profile_url","value":"http://[x"}, format="json")
    print(r.status_code, r.content[:200])
    r = api.post(f"/api/v1/cases/{case.number}/identifiers/", {"kind":"profile_url","value":"http://[x"}, format="json")
    print(r.status_code, r.content[:200])
