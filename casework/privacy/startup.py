"""Start-up check: does this process hold the keys this installation's data was written under?

A process started with the wrong KEK would show every identifier as unreadable, and one with
the wrong fingerprint key would silently miss every deconfliction match; both must stop at
once, in one sentence, before serving anyone (``config/startup.py`` calls ``require_keys``).
"""

from __future__ import annotations

import hmac

from cryptography.exceptions import InvalidTag
from django.db import ProgrammingError

from config.env import ConfigurationError

from .keys import current_kek, fingerprint_key


def key_problem() -> str:
    """One sentence saying what is wrong with the configured keys, or ""."""
    from .models import KeyCheck
    from .services import CHECK_OWNER, CHECK_PLAINTEXT, fingerprint_check_value

    kek = current_kek()  # raises ConfigurationError when missing or malformed
    key = fingerprint_key()
    try:
        check = KeyCheck.objects.filter(id=1).first()
    except ProgrammingError:
        return ""  # not migrated yet: nothing was encrypted, nothing to check against
    if check is None:
        return ""
    try:
        opened = kek.unwrap(bytes(check.kek_check), owner=CHECK_OWNER) == CHECK_PLAINTEXT
    except (InvalidTag, ValueError):
        opened = False
    if not opened:
        return (
            f"The key-encryption key ({kek.key_id}) does not open this installation's data "
            f"keys, which are wrapped under {check.kek_id}: set CASEWORK_KEK or "
            "CASEWORK_KEK_FILE to that key."
        )
    if not hmac.compare_digest(bytes(check.fingerprint_check), fingerprint_check_value(key)):
        return (
            "The fingerprint key is not the one this installation's identifiers were "
            "fingerprinted with: set CASEWORK_FINGERPRINT_KEY or CASEWORK_FINGERPRINT_KEY_FILE "
            "to that key."
        )
    return ""


def require_keys() -> None:
    problem = key_problem()
    if problem:
        raise ConfigurationError(problem)
