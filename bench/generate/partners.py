"""Partners: waits for the app's models (see the issue that builds them)."""

from __future__ import annotations

from .base import Context

NAME = "partners"
REQUIRES = ("partners.Agency",)
PENDING = "models exist, generator not written yet"


def load(ctx: Context) -> None:  # pragma: no cover - PENDING until written
    raise NotImplementedError
