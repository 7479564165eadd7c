from __future__ import annotations

from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Supervisor dashboards and period reports: reads other apps through their selectors."""

    name = "casework.oversight"
    label = "oversight"
    verbose_name = "Oversight"
