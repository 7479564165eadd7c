from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

from .selectors import user_may_sign_in


class LockoutAwareModelBackend(ModelBackend):
    """Django's model backend, refusing locked accounts as it refuses inactive ones.

    Django asks the backend again on every request of a session (``get_user``), so a session
    opened before the lock ends at the next request.
    """

    def user_can_authenticate(self, user) -> bool:
        # A service account's principal acts through its API tokens only, never a session.
        return user_may_sign_in(user) and not getattr(user, "is_service_account", False)

    def get_user(self, user_id):
        # Every page asks for the person's unit (navigation, time zone) and roles (need-to-know,
        # navigation): read with the person in one query rather than two more round trips.
        try:
            user = (
                get_user_model()
                ._default_manager.select_related("unit")
                .annotate(
                    role_list=ArraySubquery(
                        Group.objects.filter(user=OuterRef("pk")).values("name")
                    )
                )
                .get(pk=user_id)
            )
        except get_user_model().DoesNotExist:
            return None
        user.__dict__["role_names"] = frozenset(user.role_list)
        return user if self.user_can_authenticate(user) else None
