from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class OversightConfig(AppConfig):
    """Supervisor dashboards and period reports: reads other apps through their selectors."""

    name = "casework.oversight"
    label = "oversight"
    verbose_name = "Oversight"
    navigation = [
        NavItem("Oversight", "oversight:dashboard", frozenset({"supervisor", "administrator"}), 80),
        NavItem("Case reviews", "oversight:reviews", frozenset({"supervisor"}), 81),
        # The audit workspace (``audit_urls``), under the URL names it had in the ledger app.
        NavItem("Audit trail", "audit:events", frozenset({"auditor", "supervisor"}), 80),
        NavItem("Audit flags", "audit:flags", frozenset({"auditor", "supervisor"}), 81),
    ]
    home_panels = [(10, "oversight/audit/_home_panel.html")]
