"""The measurements, one module per domain; importing this package registers them all."""

from __future__ import annotations

from . import (
    api,
    audit,
    case_templates,
    cases,
    cooperation,
    deadlines,
    hashsets,
    load,
    oversight,
    privacy,
    referrals,
    search,
)
from .base import REGISTRY, Result, Run, run_scenario

# Report order: the investigator's day first, then the ledger, oversight, the API, and the web
# tier under load.
_ORDER = [
    cases,
    case_templates,
    referrals,
    privacy,
    search,
    deadlines,
    hashsets,
    cooperation,
    audit,
    oversight,
    api,
    load,
]
REGISTRY.sort(key=lambda entry: [m.__name__ for m in _ORDER].index(entry.function.__module__))

__all__ = ["REGISTRY", "Result", "Run", "run_scenario"]
