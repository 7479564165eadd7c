from __future__ import annotations

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "casework.partners"
    label = "partners"
    verbose_name = "Partners"
