"""``manage.py sso_check``: ask the identity provider, before anyone signs in, whether it fits.

Reads the discovery document and the published keys the way a sign-in does, and prints what the
provider must be told (the redirect addresses) and what Casework will do (end-session or not,
the mapped groups). Fails with one sentence when something would stop a sign-in."""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casework.accounts.oidc import SignInRefused, forget_discovery, provider_endpoints
from casework.accounts.sso_models import ProviderGroupMapping


class Command(BaseCommand):
    help = "Check the single sign-on settings against the identity provider (no sign-in made)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--base-url",
            default=settings.CASEWORK_BASE_URL,
            help="Casework's public address, to print the redirect URIs (CASEWORK_BASE_URL).",
        )

    def handle(self, *args, **options) -> None:
        if not getattr(settings, "CASEWORK_OIDC_ENABLED", False):
            raise CommandError("Single sign-on is off: set CASEWORK_OIDC_ISSUER to turn it on.")
        forget_discovery()
        try:
            endpoints = provider_endpoints()
        except SignInRefused as refusal:
            raise CommandError(refusal.text) from None
        try:
            response = requests.get(endpoints.jwks, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            keys = response.json().get("keys", [])
        except (requests.RequestException, ValueError) as error:
            raise CommandError(
                f"The provider's keys at {endpoints.jwks} cannot be read: {error}."
            ) from None
        algorithm = settings.OIDC_RP_SIGN_ALGO
        usable = [
            k for k in keys if k.get("alg", algorithm) == algorithm and k.get("use", "sig") == "sig"
        ]
        if not usable:
            raise CommandError(
                f"The provider publishes no {algorithm} signing key at {endpoints.jwks}: check "
                "CASEWORK_OIDC_SIGNING_ALGORITHM."
            )
        base = options["base_url"].rstrip("/")
        write = self.stdout.write
        write(f"issuer           {settings.CASEWORK_OIDC_ISSUER} (discovery agrees)")
        write(f"authorisation    {endpoints.authorization}")
        write(f"token            {endpoints.token}")
        write(f"keys             {endpoints.jwks} ({len(usable)} {algorithm} key(s))")
        write(f"userinfo         {endpoints.userinfo or 'none (claims from the ID token only)'}")
        no_end_session = "none: signing out ends the Casework session only"
        write(f"end session      {endpoints.end_session or no_end_session}")
        write(f"redirect URI     {base}/accounts/sso/callback/")
        write(f"post-logout URI  {base}/accounts/sign-in/")
        mapped = ProviderGroupMapping.objects.count()
        write(f"group mapping    {mapped} row(s)" + ("" if mapped else ": nobody can sign in yet"))
