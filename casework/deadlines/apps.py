from __future__ import annotations

from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "casework.deadlines"
    label = "deadlines"
    verbose_name = "Deadlines"
