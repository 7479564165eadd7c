"""OpenID Connect sign-in through mozilla-django-oidc, with the checks it leaves to its users.

Threats, and where each is met:
- A forged or substituted ID token: the signature is checked against the keys the provider
  publishes (JWKS, found through the issuer's discovery document), with the one algorithm
  configured, so a token signed ``none`` or with the client secret is refused.
- A token issued to another application, by another issuer, or long ago: mozilla-django-oidc
  does not check ``aud`` or ``iss``; ``_verify_jws`` here does, with ``exp``, ``iat`` and ``sub``
  required and at most a minute of clock difference.
- A stolen authorisation code or a replayed callback: PKCE (S256) binds the code to the browser
  that asked for it, ``state`` is used once, and the ``nonce`` in the token must be the one this
  session sent.
- An account disabled at Casework while its session lives: ``get_user`` refuses locked and
  inactive accounts, as the password backend does, so the session ends at its next request.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from casework.core.errors import DomainError

from .selectors import user_may_sign_in

logger = logging.getLogger(__name__)

# A minute of clock difference between Casework and the provider is tolerated; more is refused.
CLOCK_LEEWAY_SECONDS = 60
# The discovery document changes rarely (key rotation changes the JWKS, which is read at every
# sign-in); re-reading it hourly picks up a moved endpoint without a restart.
DISCOVERY_TTL_SECONDS = 3600


class SignInRefused(DomainError):
    """A single sign-on attempt Casework refuses; the message is shown to the person.

    ``reason`` is a short code kept in the audit trail; ``user`` is the account the attempt was
    for, when the provider's identity is linked to one."""

    def __init__(self, reason: str, message: str, *, subject: str = "", user=None) -> None:
        super().__init__(message, code=reason, status=403)
        self.reason = reason
        self.subject = subject
        self.user = user


@dataclass(frozen=True)
class ProviderEndpoints:
    authorization: str
    token: str
    userinfo: str
    jwks: str
    end_session: str


_discovery_lock = threading.Lock()
_discovered: dict[str, tuple[float, ProviderEndpoints]] = {}


def oidc_enabled() -> bool:
    return bool(getattr(settings, "CASEWORK_OIDC_ENABLED", False))


def provider_endpoints() -> ProviderEndpoints:
    """The provider's endpoints from ``<issuer>/.well-known/openid-configuration`` (cached).

    The document must name the configured issuer exactly (OpenID Connect Discovery §4.3): a
    document for another issuer would let that issuer's tokens in."""
    issuer = settings.CASEWORK_OIDC_ISSUER
    with _discovery_lock:
        cached = _discovered.get(issuer)
        if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
            return cached[1]
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("identity provider discovery failed at %s: %s", url, error)
        raise SignInRefused(
            "provider_unreachable",
            "The identity provider could not be reached. Try again in a few minutes; if it "
            "keeps failing, tell your administrator.",
        ) from None
    if document.get("issuer") != issuer:
        logger.error("discovery at %s names issuer %r", url, document.get("issuer"))
        raise SignInRefused(
            "provider_misconfigured",
            "The identity provider describes itself under another address than the one "
            "Casework is set up for. Tell your administrator (CASEWORK_OIDC_ISSUER).",
        )
    endpoints = ProviderEndpoints(
        authorization=document.get("authorization_endpoint", ""),
        token=document.get("token_endpoint", ""),
        userinfo=document.get("userinfo_endpoint", ""),
        jwks=document.get("jwks_uri", ""),
        end_session=document.get("end_session_endpoint", ""),
    )
    if not (endpoints.authorization and endpoints.token and endpoints.jwks):
        raise SignInRefused(
            "provider_misconfigured",
            "The identity provider's description lacks an authorisation, token or key "
            "address. Tell your administrator.",
        )
    with _discovery_lock:
        _discovered[issuer] = (time.monotonic(), endpoints)
    return endpoints


def forget_discovery() -> None:
    """Drop the cached discovery documents (tests, and a provider that moved its endpoints)."""
    with _discovery_lock:
        _discovered.clear()


class CaseworkOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, with endpoints from discovery and full token checks.

    Matching and role assignment are in ``sso_services.sso_sign_in``; this class only proves
    who the provider says the person is."""

    def __init__(self, *args, **kwargs) -> None:
        # The parent reads every endpoint from settings at construction, and Django constructs
        # backends on every authenticate(); discovery waits for an actual sign-in instead.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not oidc_enabled() or request is None or "nonce" not in kwargs:
            return None
        endpoints = provider_endpoints()
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints.token
        self.OIDC_OP_USER_ENDPOINT = endpoints.userinfo
        self.OIDC_OP_JWKS_ENDPOINT = endpoints.jwks
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            return super().authenticate(request, **kwargs)
        except requests.HTTPError as error:
            logger.warning("identity provider refused the code exchange: %s", error)
            raise SignInRefused(
                "code_refused",
                "The identity provider did not accept this sign-in (the link may have been "
                "used already or have expired). Start again from the sign-in page.",
            ) from None
        except requests.RequestException as error:
            logger.warning("identity provider unreachable during sign-in: %s", error)
            raise SignInRefused(
                "provider_unreachable",
                "The identity provider could not be reached. Try again in a few minutes.",
            ) from None
        except SuspiciousOperation as error:
            logger.warning("ID token refused: %s", error)
            reason = "nonce_mismatch" if "Nonce" in str(error) else "token_invalid"
            raise SignInRefused(
                reason,
                "The identity provider's answer could not be verified, so you are not signed "
                "in. Start again from the sign-in page; if it happens again, tell your "
                "administrator.",
            ) from None

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(
                f"ID token signed with {header.get('alg')!r}, not {self.OIDC_RP_SIGN_ALGO!r}."
            )
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.CASEWORK_OIDC_ISSUER,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        # With several audiences, the authorised party must be Casework (OIDC Core §3.1.3.7).
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences without azp=Casework.")
        max_age = settings.CASEWORK_OIDC_MAX_AUTH_AGE_MINUTES * 60
        if max_age and claims.get("auth_time", 0) < time.time() - max_age - CLOCK_LEEWAY_SECONDS:
            raise SuspiciousOperation("The provider's authentication is older than max_age.")
        return claims

    def retrieve_matching_jwk(self, token):
        """The provider's published key that signed ``token``.

        By ``kid`` when the token names one (providers that rotate keys publish several); a
        token without ``kid`` is accepted only while the provider publishes a single key for
        the algorithm, so the choice is never a guess."""
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        header = jwt.get_unverified_header(token)
        candidates = [
            key
            for key in response.json().get("keys", [])
            if key.get("use", "sig") == "sig"
            and key.get("alg", header.get("alg")) == header.get("alg")
        ]
        if "kid" in header:
            candidates = [key for key in candidates if key.get("kid") == header["kid"]]
        if len(candidates) != 1:
            raise SuspiciousOperation("No single published key matches the ID token.")
        try:
            return jwt.PyJWK(candidates[0])
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"The provider's key cannot be used: {error}") from None

    def verify_token(self, token, **kwargs):
        if not kwargs.get("nonce"):
            # The userinfo endpoint may answer with a signed JWT; it carries no nonce.
            return super().verify_token(token, **kwargs)
        claims = super().verify_token(token, **kwargs)
        self.id_token_claims = claims
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        from .sso_services import provider_reports_mfa, sso_sign_in

        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            # OIDC Core §5.3.2: userinfo for another subject must not be used.
            if userinfo.get("sub") != payload["sub"]:
                raise SignInRefused(
                    "token_invalid",
                    "The identity provider's answer could not be verified, so you are not "
                    "signed in. Tell your administrator.",
                )
            claims = {**userinfo, **payload}
        user = sso_sign_in(issuer=settings.CASEWORK_OIDC_ISSUER, claims=claims)
        # Read by the callback view, which decides whether the provider's check stands as the
        # session's second factor.
        user.sso_provider_mfa = provider_reports_mfa(claims)
        return user

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user_may_sign_in(user) else None


def provider_logout_url(request) -> str:
    """Where to send the browser after Casework's own sign-out, to end the provider session.

    RP-Initiated Logout 1.0: the provider's ``end_session_endpoint`` with the ID token as a
    hint and Casework's sign-in page to come back to. Empty when the session did not come from
    the provider or the provider offers no such endpoint (the provider session then lives on)."""
    id_token = request.session.get("oidc_id_token")
    if not oidc_enabled() or not id_token:
        return ""
    try:
        end_session = provider_endpoints().end_session
    except SignInRefused:
        return ""
    if not end_session:
        return ""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(
                reverse(settings.LOGOUT_REDIRECT_URL)
            ),
        }
    )
    return f"{end_session}?{query}"
