from __future__ import annotations

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

from casework.core.navigation import NavItem

from .defaults import install_default_incident_types

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

    def ready(self) -> None:
        # Handlers read models: they load once the app registry is ready.
        from . import handlers  # noqa: F401 - referrals follow their case when cases merge

        post_migrate.connect(_ensure_incident_types, sender=self)


def _ensure_incident_types(sender, using="default", **kwargs) -> None:
    # A flushed database (transactional tests) has lost the data migration's rows; intake
    # would then refuse every incident type. Only an empty table is refilled.
    from .models import IncidentType

    if IncidentType._meta.db_table in connections[using].introspection.table_names():
        install_default_incident_types(IncidentType, only_if_empty=True)
