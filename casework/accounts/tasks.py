from __future__ import annotations

from celery import shared_task

from .services import users_disable_inactive


@shared_task(name="casework.accounts.disable_inactive_accounts", acks_late=True)
def disable_inactive_accounts() -> int:
    return len(users_disable_inactive())
