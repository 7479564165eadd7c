"""Reads about accounts."""

from __future__ import annotations

from casework.core.errors import DomainError


def user_may_sign_in(user) -> bool:
    """Whether any credential of ``user`` may act for them: password, session, API token, feed.

    A lock-out (AC-7) stops the account as deactivation does; checking ``is_active`` alone let
    a locked account's token and calendar feed keep working.
    """
    return user is not None and user.is_active and getattr(user, "locked_at", None) is None


def require_person(actor, act: str) -> None:
    """Refuse ``act`` to a service account, whatever its role.

    A decision that needs a second person (countersigning a release or disposal, approving a
    closure) or a supervisor's judgement (waiving a clock, merging, transferring) is only
    worth its signature if a named person made it: a token can be copied into a script, and
    two "supervisors" would then be one integration. Service accounts read and record; people
    decide."""
    if getattr(actor, "is_service_account", False):
        raise DomainError(
            f"A service account cannot {act}: a person must, signed in as themselves.",
            status=403,
        )
