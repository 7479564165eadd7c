from __future__ import annotations

from django.core.management.base import CommandError

from casework.accounts.models import User


def actor_named(username: str | None):
    """The user recorded as acting (default: the system, an operator at the command line)."""
    if not username:
        return None
    actor = User.objects.filter(username=username, is_active=True).first()
    if actor is None:
        raise CommandError(f"No active user {username!r}.")
    return actor
