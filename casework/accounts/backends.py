from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .selectors import user_may_sign_in


class LockoutAwareModelBackend(ModelBackend):
    """Django's model backend, refusing locked accounts as it refuses inactive ones.

    Django asks the backend again on every request of a session (``get_user``), so a session
    opened before the lock ends at the next request.
    """

    def user_can_authenticate(self, user) -> bool:
        # A service account's principal acts through its API tokens only, never a session.
        return user_may_sign_in(user) and not getattr(user, "is_service_account", False)
