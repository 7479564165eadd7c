"""A real OpenID provider beside the tests: oidc-provider-mock, in a thread, over HTTP.

It signs real ID tokens with its own RSA key and publishes the key at its JWKS address, so
Casework's checks run exactly as against a production provider. Around it, a thin WSGI layer
does what the mock does not, and what tests need a provider to do:

- checks PKCE (S256) at the token endpoint, as a conforming provider does, so a Casework that
  stopped sending the verifier would fail here;
- refuses to sign in a subject "disabled" at the provider (``error=access_denied``), as Entra ID
  and Keycloak do for a disabled account;
- misbehaves on request: re-signs the next ID token with a changed audience or expiry, replays
  an earlier ID token, or signs with a key it does not publish (a forgery).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from contextlib import contextmanager
from io import BytesIO
from urllib.parse import parse_qs, urlencode, urlsplit

import flask
import httpx
import werkzeug.serving
from authlib import jose

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider runs on plain HTTP here

import oidc_provider_mock


class Provider:
    def __init__(self) -> None:
        self.app = oidc_provider_mock.app(require_nonce=True)
        with self.app.test_request_context():
            self.app.preprocess_request()
            self._storage = flask.g.oidc_provider_mock_storage
        self.url = ""
        self.disabled: set[str] = set()
        self.tamper: dict | None = None
        self.replay_next = False
        self.forge_next = False
        self.issued_id_tokens: list[str] = []
        self.pkce_checked = 0
        self._challenges_by_state: dict[str, str] = {}
        self._challenges_by_code: dict[str, str] = {}

    # What a test sets up at the provider -------------------------------------------------

    def user(self, sub: str, **claims) -> None:
        response = httpx.put(f"{self.url}/users/{sub}", json=claims)
        assert response.status_code == 204, response.text

    # The WSGI layer -------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = BytesIO(body)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        form = parse_qs(body.decode("utf-8", "replace"))
        if path == "/oauth2/authorize":
            state = query.get("state", [""])[0]
            if "code_challenge" in query:
                self._challenges_by_state[state] = query["code_challenge"][0]
            if method == "POST" and form.get("sub", [""])[0] in self.disabled:
                location = (
                    query["redirect_uri"][0]
                    + "?"
                    + urlencode(
                        {
                            "error": "access_denied",
                            "error_description": "User is disabled",
                            "state": state,
                        }
                    )
                )
                start_response("302 Found", [("Location", location)])
                return [b""]
        if path == "/oauth2/token" and method == "POST":
            code = form.get("code", [""])[0]
            challenge = self._challenges_by_code.pop(code, None)
            verifier = form.get("code_verifier", [""])[0]
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if challenge is None or expected.rstrip(b"=").decode() != challenge:
                return self._json(start_response, "400 Bad Request", {"error": "invalid_grant"})
            self.pkce_checked += 1
            return self._token_response(environ, start_response)
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        # The mock's debugger wrapper starts the response only when it is iterated.
        result = list(self.app(environ, capture))
        location = dict(captured.get("headers", [])).get("Location", "")
        if path == "/oauth2/authorize" and "code=" in location:
            params = parse_qs(urlsplit(location).query)
            state = params.get("state", [""])[0]
            if state in self._challenges_by_state:
                self._challenges_by_code[params["code"][0]] = self._challenges_by_state.pop(state)
        return result

    def _token_response(self, environ, start_response):
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, capture))
        if not captured["status"].startswith("200"):
            start_response(captured["status"], captured["headers"])
            return [body]
        document = json.loads(body)
        id_token = document["id_token"]
        if self.replay_next and self.issued_id_tokens:
            document["id_token"] = self.issued_id_tokens[0]
        elif self.tamper or self.forge_next:
            payload = jose.jwt.decode(id_token, self._storage.jwk)
            payload = {**payload, **(self.tamper or {})}
            key = jose.RSAKey.generate_key(is_private=True) if self.forge_next else None
            document["id_token"] = self.sign(payload, key=key)
        self.replay_next = self.forge_next = False
        self.tamper = None
        self.issued_id_tokens.append(id_token)
        return self._json(start_response, "200 OK", document)

    def sign(self, payload: dict, *, key=None) -> str:
        key = key or self._storage.jwk
        return jose.jwt.encode({"alg": "RS256"}, payload, key).decode()

    @staticmethod
    def _json(start_response, status: str, document: dict):
        body = json.dumps(document).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]


@contextmanager
def running_provider():
    provider = Provider()
    server = werkzeug.serving.make_server("localhost", 0, provider, threaded=True)
    provider.url = f"http://localhost:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def expired_times() -> dict:
    now = int(time.time())
    return {"iat": now - 7200, "exp": now - 3600, "auth_time": now - 7200}


# Fixtures (imported by the test modules that use them) ------------------------------------

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def sso(provider, settings, monkeypatch, tmp_path):
    """Single sign-on turned on against ``provider``, configured the way an operator does it:
    through the environment, read by the same function settings.py calls."""
    from casework.accounts.oidc import forget_discovery
    from config.oidc import oidc_settings

    secret = tmp_path / "client-secret"
    secret.write_text("synthetic-client-secret\n")
    monkeypatch.setenv("CASEWORK_OIDC_ISSUER", provider.url)
    monkeypatch.setenv("CASEWORK_OIDC_CLIENT_ID", "casework")
    monkeypatch.setenv("CASEWORK_OIDC_CLIENT_SECRET_FILE", str(secret))
    monkeypatch.setenv("CASEWORK_OIDC_PROVIDER_NAME", "Agency ID")
    for name, value in oidc_settings(production=False).items():
        setattr(settings, name, value)
    settings.CASEWORK_REQUIRE_2FA = True
    provider.disabled.clear()
    provider.issued_id_tokens.clear()
    forget_discovery()
    yield provider
    forget_discovery()


@pytest.fixture
def group_mapping(north, south):
    """The mapping an administrator keeps: one provider group per role in a unit."""
    from casework.accounts.services import roles_ensure
    from casework.accounts.sso_models import ProviderGroupMapping

    roles_ensure()
    rows = [
        ("cw-north-investigators", "investigator", north),
        ("cw-north-supervisors", "supervisor", north),
        ("cw-south-investigators", "investigator", south),
        ("cw-auditors", "auditor", None),
    ]
    for group, role, unit in rows:
        ProviderGroupMapping.objects.create(group=group, role=role, unit=unit)
