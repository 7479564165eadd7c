"""What production cannot run without, each checked where the setting is read.

Every check here once let production start and fail later, out of sight: without a broker URL
the single-machine filesystem broker was used silently; without a base URL e-mail links pointed
at 127.0.0.1; the console e-mail backend printed case numbers into the logs and reached nobody;
the file backend, named without a folder, failed at the first e-mail with a TypeError. Each
function returns the value to use or raises ``ConfigurationError`` with one sentence.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from .env import ConfigurationError

EMBEDDED_BROKER = "filesystem://localhost//"
_SERVER_BROKERS = ("redis", "rediss", "amqp", "amqps", "pyamqp", "librabbitmq", "sentinel")

EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
# Backends that deliver nothing: fine on a laptop, a silent loss of every reminder in production.
_NOT_DELIVERING = {EMAIL_BACKENDS[name] for name in ("console", "memory", "dummy")}


def broker_url(value: str | None, *, production: bool) -> str:
    if not value:
        if production:
            raise ConfigurationError(
                "CELERY_BROKER_URL must be set in production to your Redis or RabbitMQ "
                "(redis://host:6379/0 or amqp://user:password@host:5672//): the embedded "
                "filesystem broker serves one machine only."
            )
        return EMBEDDED_BROKER
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if production and scheme not in _SERVER_BROKERS:
        raise ConfigurationError(
            f"CELERY_BROKER_URL must be a Redis or RabbitMQ URL in production (redis://… or "
            f"amqp://…), not {scheme or value!r}."
        )
    return value


def base_url(value: str | None, *, production: bool) -> str:
    if not value:
        if production:
            raise ConfigurationError(
                "CASEWORK_BASE_URL must be set in production to the address people open "
                "Casework at (such as https://casework.example.org): links in e-mails and the "
                "calendar feed start with it."
            )
        return "http://127.0.0.1:8000"
    parts = urlsplit(value)
    wanted = ("https",) if production else ("http", "https")
    if parts.scheme not in wanted or not parts.hostname or parts.query or parts.fragment:
        example = "https://casework.example.org"
        why = " (production cookies are sent over HTTPS only)" if production else ""
        raise ConfigurationError(
            f"CASEWORK_BASE_URL={value!r} must be an address such as {example}{why}."
        )
    return value.rstrip("/")


def email_backend(value: str | None, *, production: bool) -> str:
    if not value:
        if production:
            raise ConfigurationError(
                "CASEWORK_EMAIL_BACKEND must be set in production (smtp, with "
                "CASEWORK_EMAIL_HOST; or file, with CASEWORK_EMAIL_FILE_PATH): the default "
                "console backend delivers nothing and prints case numbers into the logs."
            )
        return EMAIL_BACKENDS["console"]
    backend = EMAIL_BACKENDS.get(value.strip().lower(), value.strip())
    if production and backend in _NOT_DELIVERING:
        raise ConfigurationError(
            f"CASEWORK_EMAIL_BACKEND={value!r} delivers no e-mail: use smtp or file in production."
        )
    return backend


def email_file_path(
    value: str | None, *, backend: str, production: bool, default: Path
) -> str | None:
    if backend != EMAIL_BACKENDS["file"]:
        return value or None
    if not value and production:
        raise ConfigurationError(
            "CASEWORK_EMAIL_FILE_PATH must name the folder the file e-mail backend writes into."
        )
    path = Path(value) if value else default
    if path.exists() and not path.is_dir():
        raise ConfigurationError(f"CASEWORK_EMAIL_FILE_PATH={str(path)!r} is not a folder.")
    return str(path)


def cooperation_key_file(value: str | None, *, name: str, production: bool) -> str:
    """A cooperation key file (our signing key, the group's HMAC keys). In development it is
    made under ``var/cooperation/`` on first use; in production (``production`` is true when
    the installation takes part, i.e. ``CASEWORK_COOP_ISSUER`` is set) a missing one would let
    Casework start and then refuse every pointer exchange, so it must be named."""
    if not value:
        if production:
            raise ConfigurationError(
                f"{name} must name a key file in production when CASEWORK_COOP_ISSUER is set "
                "(docs/cooperation.md says how to make one with 'python manage.py "
                "pointers_keygen')."
            )
        return ""
    return value


def cooperation_sync(*, minutes: int, issuer: str, tokens_file: str) -> None:
    """A sync on a clock needs us to take part and a token for each partner: without them
    every run would fail, and the failures would only show in the audit trail."""
    if not minutes:
        return
    if not issuer:
        raise ConfigurationError(
            "CASEWORK_COOP_SYNC_MINUTES is set but CASEWORK_COOP_ISSUER is not: this "
            "installation does not share pointers (docs/cooperation.md)."
        )
    if not tokens_file:
        raise ConfigurationError(
            "CASEWORK_COOP_SYNC_MINUTES is set but CASEWORK_COOP_PARTNER_TOKENS_FILE is not: "
            "there is no token to present to partners' APIs (docs/cooperation.md)."
        )


def privacy_keys(*, kek: str | None, fingerprint_key: str | None, production: bool) -> None:
    """Production holds both privacy keys; development makes them under var/privacy/."""
    if not production:
        return
    if not kek:
        raise ConfigurationError(
            "CASEWORK_KEK or CASEWORK_KEK_FILE must hold the key-encryption key in production "
            "(32 random bytes in base64): identifying values are encrypted under it."
        )
    if not fingerprint_key:
        raise ConfigurationError(
            "CASEWORK_FINGERPRINT_KEY or CASEWORK_FINGERPRINT_KEY_FILE must hold the "
            "fingerprint key in production (32 random bytes in base64, not the KEK)."
        )
