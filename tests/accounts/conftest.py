from __future__ import annotations

# A real OpenID provider for the single sign-on tests (tests/accounts/oidc_provider.py).
from tests.accounts.oidc_provider import group_mapping, provider, sso  # noqa: F401
