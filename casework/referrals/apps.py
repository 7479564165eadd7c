from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem

WORKERS = frozenset({"investigator", "supervisor"})


class ReferralsConfig(AppConfig):
    name = "casework.referrals"
    label = "referrals"
    verbose_name = "Referrals"
    navigation = [
        NavItem("Referrals", "referrals:queue", WORKERS, 10),
        NavItem("New referral", "referrals:new", WORKERS, 11),
    ]
    home_panels = [(10, "referrals/_home_panel.html")]
