from __future__ import annotations

from casework.core.roles import Role

__all__ = ["Role"]
