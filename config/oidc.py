"""Single sign-on settings, read from the environment and refused at start-up when inconsistent.

Threat: a half-configured identity provider that fails open (a client without a secret, an issuer
over plain HTTP in production, a rule that asks for the provider's multi-factor without saying
what counts as one) or fails late, in front of the first person who tries to sign in. Every
inconsistency stops the process with one sentence naming the variable to fix.

Single sign-on is off until ``CASEWORK_OIDC_ISSUER`` is set; ``make run`` sets none of these.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from .env import ConfigurationError, env_bool, env_int, env_list, env_str

SECOND_FACTOR_CHOICES = ("either", "provider", "casework")
# RFC 8176 authentication method references that mean more than a password was used.
DEFAULT_MFA_AMR = ["mfa", "mca", "otp", "hwk", "sc"]
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256")


def _secret_from_file(path: str) -> str:
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigurationError(
            f"CASEWORK_OIDC_CLIENT_SECRET_FILE={path!r} cannot be read ({reason}): "
            "point it at the file holding the client secret the identity provider issued."
        ) from None
    except UnicodeDecodeError:
        raise ConfigurationError(
            f"CASEWORK_OIDC_CLIENT_SECRET_FILE={path!r} is not text: it must hold the client "
            "secret alone, as the identity provider shows it."
        ) from None
    if not secret:
        raise ConfigurationError(
            f"CASEWORK_OIDC_CLIENT_SECRET_FILE={path!r} is empty: write the client secret the "
            "identity provider issued into it."
        )
    return secret


def oidc_settings(*, production: bool) -> dict:
    """The ``CASEWORK_OIDC_*`` settings and the mozilla-django-oidc ones derived from them."""
    # Exactly as the provider states it, trailing slash and all: the ID token's iss must match
    # it character for character (OpenID Connect Core §3.1.3.7).
    issuer = (env_str("CASEWORK_OIDC_ISSUER", "") or "").strip()
    if not issuer:
        stray = sorted(
            name
            for name in (
                "CASEWORK_OIDC_CLIENT_ID",
                "CASEWORK_OIDC_CLIENT_SECRET_FILE",
                "CASEWORK_OIDC_ONLY",
                "CASEWORK_OIDC_CREATE_USERS",
            )
            if env_str(name, "")
        )
        if stray:
            raise ConfigurationError(
                f"{', '.join(stray)} is set but CASEWORK_OIDC_ISSUER is not: set the identity "
                "provider's issuer URL to turn single sign-on on, or remove the variable."
            )
        return {"CASEWORK_OIDC_ENABLED": False, "CASEWORK_OIDC_ONLY": False}

    parts = urlsplit(issuer)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise ConfigurationError(
            f"CASEWORK_OIDC_ISSUER={issuer!r} is not a URL: use the issuer exactly as the "
            "provider's /.well-known/openid-configuration states it."
        )
    if production and parts.scheme != "https":
        raise ConfigurationError(
            f"CASEWORK_OIDC_ISSUER={issuer!r} must use https in production: tokens and the "
            "provider's keys must not travel in clear."
        )
    client_id = env_str("CASEWORK_OIDC_CLIENT_ID", "")
    if not client_id:
        raise ConfigurationError(
            "CASEWORK_OIDC_ISSUER is set but CASEWORK_OIDC_CLIENT_ID is not: set the client "
            "(application) id the identity provider gave Casework."
        )
    secret_file = env_str("CASEWORK_OIDC_CLIENT_SECRET_FILE", "")
    if not secret_file:
        raise ConfigurationError(
            "CASEWORK_OIDC_ISSUER is set but CASEWORK_OIDC_CLIENT_SECRET_FILE is not: name the "
            "file that holds the client secret (never the secret itself)."
        )
    secret = _secret_from_file(secret_file)

    scopes = env_list("CASEWORK_OIDC_SCOPES", ["openid", "profile", "email"])
    if "openid" not in scopes:
        raise ConfigurationError(
            f"CASEWORK_OIDC_SCOPES={' '.join(scopes)!r} must include openid: without it the "
            "provider sends no ID token."
        )
    second_factor = env_str("CASEWORK_OIDC_SECOND_FACTOR", "either")
    if second_factor not in SECOND_FACTOR_CHOICES:
        raise ConfigurationError(
            f"CASEWORK_OIDC_SECOND_FACTOR={second_factor!r} must be one of "
            f"{', '.join(SECOND_FACTOR_CHOICES)}."
        )
    mfa_amr = env_list("CASEWORK_OIDC_MFA_AMR", DEFAULT_MFA_AMR)
    mfa_acr = env_list("CASEWORK_OIDC_MFA_ACR", [])
    if second_factor == "provider" and not (mfa_amr or mfa_acr):
        raise ConfigurationError(
            "CASEWORK_OIDC_SECOND_FACTOR=provider needs CASEWORK_OIDC_MFA_AMR or "
            "CASEWORK_OIDC_MFA_ACR to say which reported methods count as multi-factor."
        )
    algorithm = env_str("CASEWORK_OIDC_SIGNING_ALGORITHM", "RS256")
    if algorithm not in SIGNING_ALGORITHMS:
        raise ConfigurationError(
            f"CASEWORK_OIDC_SIGNING_ALGORITHM={algorithm!r} must be one of "
            f"{', '.join(SIGNING_ALGORITHMS)} (ID tokens are checked against the provider's "
            "published public keys)."
        )
    groups_claim = env_str("CASEWORK_OIDC_GROUPS_CLAIM", "groups")
    provider_name = env_str("CASEWORK_OIDC_PROVIDER_NAME", "your agency account")
    extra_params = {"acr_values": " ".join(mfa_acr)} if mfa_acr else {}
    max_auth_age = env_int("CASEWORK_OIDC_MAX_AUTH_AGE_MINUTES", 0, minimum=0)
    if max_auth_age:
        extra_params["max_age"] = str(max_auth_age * 60)
    return {
        "CASEWORK_OIDC_ENABLED": True,
        "CASEWORK_OIDC_ISSUER": issuer,
        "CASEWORK_OIDC_PROVIDER_NAME": provider_name,
        "CASEWORK_OIDC_ONLY": env_bool("CASEWORK_OIDC_ONLY", False),
        "CASEWORK_OIDC_CREATE_USERS": env_bool("CASEWORK_OIDC_CREATE_USERS", False),
        "CASEWORK_OIDC_GROUPS_CLAIM": groups_claim,
        "CASEWORK_OIDC_SECOND_FACTOR": second_factor,
        "CASEWORK_OIDC_MFA_AMR": mfa_amr,
        "CASEWORK_OIDC_MFA_ACR": mfa_acr,
        "CASEWORK_OIDC_MAX_AUTH_AGE_MINUTES": max_auth_age,
        # mozilla-django-oidc reads these; the endpoints come from the issuer's discovery
        # document at the first sign-in (casework/accounts/oidc.py).
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": secret,
        "OIDC_RP_SCOPES": " ".join(scopes),
        "OIDC_RP_SIGN_ALGO": algorithm,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_USE_NONCE": True,
        "OIDC_STORE_ID_TOKEN": True,
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": extra_params,
        "OIDC_TIMEOUT": env_int("CASEWORK_OIDC_TIMEOUT_SECONDS", 10, minimum=1),
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:sso-callback",
        "OIDC_REDIRECT_REQUIRE_HTTPS": production,
    }
