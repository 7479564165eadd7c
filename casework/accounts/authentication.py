"""API authentication that honours the sign-in lock-out.

Threat: a password guesser locks an account, or an administrator locks it on suspicion, and the
account's API token keeps acting for it. DRF's token check looks at ``is_active`` only.
"""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .selectors import user_may_sign_in


class LockoutAwareTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if not user_may_sign_in(user):
            raise AuthenticationFailed(
                "This account is locked after repeated failed sign-ins. "
                "Ask an administrator to release it."
            )
        return user, token
