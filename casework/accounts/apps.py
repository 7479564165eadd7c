from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class AccountsConfig(AppConfig):
    name = "casework.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    navigation = [
        NavItem(
            "Service accounts",
            "accounts:service-accounts",
            frozenset({"administrator"}),
            90,
            "Admin",
        )
    ]
