"""Turn start-up failures into one sentence and a non-zero exit instead of a traceback.

An operator at a console (or a supervisor running ``make run`` on a laptop) needs to know what is
wrong and what to do, not which frame raised.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from .env import ConfigurationError

EXIT_CONFIGURATION = 2

# Commands that sign audit checkpoints or derive the published verifier key from the private
# key; like the workers (which run the sealing task), they need the key and check it first.
SIGNING_COMMANDS = frozenset({"verify_audit", "audit_proof"})
# Commands that serve people or read and write identifying values: they check first that the
# configured keys open this installation's data (``casework.privacy.startup``). Migrations and
# housekeeping commands do not, so a fresh or half-migrated database can still be set up.
KEY_COMMANDS = frozenset(
    {
        "runserver",
        "import_referrals",
        "seed_demo",
        "privacy_rotate_kek",
        "privacy_check_keys",
        "shell",
    }
)


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


def load_settings() -> None:
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - forces settings to load, so bad config fails in one line


def require_signing_key() -> None:
    """Production processes that sign checkpoints refuse to start without a usable key.

    Without this a worker started and then failed every sealing task, every 10 seconds, with
    a traceback. Web processes do not sign and need not hold the key (least exposure)."""
    from django.conf import settings

    if not settings.PRODUCTION:
        return  # development makes a key under var/audit/ on first use
    if not settings.AUDIT_SIGNING_KEY_FILE:
        raise ConfigurationError(
            "CASEWORK_AUDIT_SIGNING_KEY_FILE must name the audit signing key in production "
            "(create one with 'python manage.py audit_keygen PATH')."
        )
    from casework.audit.keys import problem

    trouble = problem(Path(settings.AUDIT_SIGNING_KEY_FILE))
    if trouble:
        raise ConfigurationError(trouble)


def setup_and_require_keys() -> None:
    """Stop with one sentence when the key-encryption or fingerprint key is missing or is not
    the one this installation's data was written under."""
    import django

    django.setup()
    from casework.privacy.startup import require_keys

    require_keys()


def _refused_here(command: str) -> bool:
    """``seed_demo`` refuses production itself, in its own sentence: checking the keys first
    would answer a question nobody asked (and need the database it must not touch)."""
    if command != "seed_demo":
        return False
    load_settings()
    from django.conf import settings

    return settings.PRODUCTION


def run_or_explain(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    def run() -> None:
        if len(argv) > 1 and argv[1] in SIGNING_COMMANDS:
            load_settings()
            require_signing_key()
        if len(argv) > 1 and argv[1] in KEY_COMMANDS and not _refused_here(argv[1]):
            setup_and_require_keys()
        execute_from_command_line(argv)

    guarded(run)
