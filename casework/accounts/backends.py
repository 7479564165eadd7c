from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .selectors import user_may_sign_in


class LockoutAwareModelBackend(ModelBackend):
    """Django's model backend, refusing locked accounts as it refuses inactive ones.

    Django asks the backend again on every request of a session (``get_user``), so a session
    opened before the lock ends at the next request.
    """

    def user_can_authenticate(self, user) -> bool:
        return user_may_sign_in(user)
