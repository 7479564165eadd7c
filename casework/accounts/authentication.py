"""API authentication: service-account tokens, and the personal tokens issued before them.

Threats: a token that outlives what it was issued for. A service account's token (``cwt_…``)
stops at its expiry or revocation (``service_accounts.api_token_authenticate``). A personal token
(DRF's ``Token``, from before service accounts) acts for a person only while that person could
sign in: a lock-out, a deactivation or the removal of their last role stops it at the next
request, where DRF's own check looks at ``is_active`` only.
"""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from casework.audit.capture import bind_actor

from .selectors import user_may_sign_in
from .service_accounts import TOKEN_PREFIX, TokenRefused, api_token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        if key.startswith(TOKEN_PREFIX):
            try:
                user, token = api_token_authenticate(secret=key)
            except TokenRefused as refused:
                raise AuthenticationFailed(str(refused)) from None
        else:
            user, token = self._personal(key)
        # The database-level change capture learns the actor from the session middleware, which
        # runs before DRF reads the token; tell it who is acting now.
        bind_actor(user)
        return user, token

    def _personal(self, key):
        user, token = super().authenticate_credentials(key)
        if getattr(user, "locked_at", None) is not None:
            raise AuthenticationFailed(
                "This account is locked after repeated failed sign-ins. "
                "Ask an administrator to release it."
            )
        if user.is_service_account or not user_may_sign_in(user) or not user.role_names:
            raise AuthenticationFailed(
                "This token's person no longer has access to Casework (account disabled or "
                "without a role), so the token no longer works."
            )
        return user, token
