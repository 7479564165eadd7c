"""Turn start-up failures into one sentence and a non-zero exit instead of a traceback.

An operator at a console (or a supervisor running ``make run`` on a laptop) needs to know what is
wrong and what to do, not which frame raised.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from .env import ConfigurationError

EXIT_CONFIGURATION = 2


def explain(exc: BaseException) -> str | None:
    """Return a one-line explanation for a known start-up failure, or None."""
    if isinstance(exc, ConfigurationError):
        return str(exc)
    try:
        from django.db.utils import OperationalError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, OperationalError):
        from django.conf import settings

        db = settings.DATABASES["default"]
        where = f"{db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}/{db.get('NAME')}"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        return (
            f"Cannot connect to the database at {where} ({reason}): "
            "check DATABASE_URL, or unset it to use the embedded database."
        )
    return None


def guarded(func: Callable[[], object]) -> object:
    try:
        return func()
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        print(f"casework: {message}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIGURATION) from None


def run_or_explain(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    guarded(lambda: execute_from_command_line(argv))
