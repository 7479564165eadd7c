"""Reads about accounts."""

from __future__ import annotations


def user_may_sign_in(user) -> bool:
    """Whether any credential of ``user`` may act for them: password, session, API token, feed.

    A lock-out (AC-7) stops the account as deactivation does; checking ``is_active`` alone let
    a locked account's token and calendar feed keep working.
    """
    return user is not None and user.is_active and getattr(user, "locked_at", None) is None
