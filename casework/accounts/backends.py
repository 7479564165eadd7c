from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class LockoutAwareModelBackend(ModelBackend):
    """Django's model backend, refusing locked accounts as it refuses inactive ones."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and getattr(user, "locked_at", None) is None
