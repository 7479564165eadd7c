"""Every environment variable Casework reads, in one list: the README and the operations guide
print it as their settings table, and ``tests/core/test_settings_registry.py`` fails when the
code reads a variable missing here or a table misses a variable listed here.

Add a variable here in the same change that reads it; ``python -m config.variables`` prints the
Markdown table to paste into ``README.md`` ("Configuration") and ``docs/operations.md``
("Settings").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    default: str  # as an operator reads it in the table (Markdown)
    meaning: str
    production: str = ""  # "required", "required on workers", … ; empty when optional


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "DJANGO_ENV",
        "`development`",
        "`production` refuses to start without the settings marked required, and turns on "
        "HTTPS-only cookies, HSTS and the redirect to HTTPS",
        "`production`",
    ),
    Variable(
        "DJANGO_SECRET_KEY",
        "a development-only key",
        "at least 50 random characters in production",
        "required",
    ),
    Variable(
        "DJANGO_ALLOWED_HOSTS",
        "`127.0.0.1,localhost,[::1]`",
        "comma-separated host names Casework answers to",
        "required",
    ),
    Variable(
        "DJANGO_CSRF_TRUSTED_ORIGINS",
        "none",
        "origins such as `https://casework.example.org` (production)",
    ),
    Variable("DJANGO_DEBUG", "`false`", "Django's debug pages; development only"),
    Variable(
        "DATABASE_URL",
        "embedded cluster under `var/pgdata`",
        "`postgresql://user:password@host:5432/name`",
        "required",
    ),
    Variable(
        "CASEWORK_DB_CONN_MAX_AGE",
        "`300`",
        "seconds a database connection is kept between requests (keep above 0)",
    ),
    Variable("CASEWORK_PGDATA", "`var/pgdata`", "where the embedded cluster lives (development)"),
    Variable("CASEWORK_TEST_DB_NAME", "`test_casework`", "name of the test database (tests only)"),
    Variable(
        "CASEWORK_TEST_DB_SUFFIX", "the process id", "suffix of the per-run test database (tests)"
    ),
    Variable(
        "CELERY_BROKER_URL",
        "`filesystem://` (under `var/broker`)",
        "`redis://…` or `amqp://…`; the filesystem broker serves one machine only",
        "required",
    ),
    Variable("CASEWORK_BROKER_DIR", "`var/broker`", "folder of the embedded broker (development)"),
    Variable(
        "CASEWORK_BEAT_SCHEDULE_FILE",
        "`var/celerybeat-schedule`",
        "where beat keeps when each periodic task last ran (its folder is created if missing)",
    ),
    Variable(
        "CASEWORK_HEARTBEAT_SECONDS",
        "`60`",
        "how often the scheduler and each worker prove they are alive (stale after three missed "
        "beats)",
    ),
    Variable(
        "CASEWORK_WORKERS_EXPECTED",
        "`1`",
        "how many Celery workers should run; fewer beating shows red on the administrator's home "
        "page, naming the one that stopped",
    ),
    Variable(
        "CASEWORK_REDIS_VISIBILITY_TIMEOUT",
        "`900` (seconds, at least 30)",
        "Redis broker only: a task taken by a worker that died is handed to another after this "
        "long; keep it above the longest task (the nightly audit verification)",
    ),
    Variable(
        "CASEWORK_EMAIL_RETRY_SECONDS",
        "`600`",
        "an e-mail not sent this long after its notification (task lost, mail server failing) is "
        "retried; the wait doubles after each failure, five attempts in all",
    ),
    Variable(
        "CASEWORK_DEADLINES_SWEEP_SECONDS",
        "`60`",
        "how often missed deadlines are marked, escalated and reminders claimed (at least 10)",
    ),
    Variable(
        "CASEWORK_BASE_URL",
        "`http://127.0.0.1:8000`",
        "the address people open Casework at; links in e-mails and the calendar feed start "
        "with it; passkeys are bound to its host name (`https://` and a host name in production)",
        "required",
    ),
    Variable(
        "CASEWORK_EMAIL_BACKEND",
        "`console` (prints e-mails)",
        "`smtp`, `file` or a Django backend's dotted path; the console, memory and dummy "
        "backends are refused in production",
        "required",
    ),
    Variable("CASEWORK_EMAIL_HOST", "`localhost`", "SMTP server"),
    Variable("CASEWORK_EMAIL_PORT", "`25`", "SMTP port"),
    Variable("CASEWORK_EMAIL_USE_TLS", "`false`", "STARTTLS to the SMTP server"),
    Variable("CASEWORK_EMAIL_HOST_USER", "none", "SMTP user name, when the server asks for one"),
    Variable("CASEWORK_EMAIL_HOST_PASSWORD", "none", "SMTP password, when the server asks for one"),
    Variable("CASEWORK_EMAIL_FROM", "`casework@localhost`", "sender address of every e-mail"),
    Variable(
        "CASEWORK_EMAIL_FILE_PATH",
        "`var/mail` (development)",
        "folder the `file` backend writes one file per e-mail into",
        "with the `file` backend",
    ),
    Variable(
        "CASEWORK_KEK",
        "none",
        "key-encryption key that wraps the data keys of identifying values: 32 random bytes "
        "in base64 (docs/privacy.md); or use `CASEWORK_KEK_FILE`",
        "required (or the file)",
    ),
    Variable(
        "CASEWORK_KEK_FILE",
        "`var/privacy/kek`, made on first use (development)",
        "file holding the key-encryption key (base64); rotate with `manage.py privacy_rotate_kek`",
        "required (or the key)",
    ),
    Variable(
        "CASEWORK_FINGERPRINT_KEY",
        "none",
        "installation key of the keyed fingerprints that lookups compare: 32 random bytes in "
        "base64, not the KEK; or use `CASEWORK_FINGERPRINT_KEY_FILE`",
        "required (or the file)",
    ),
    Variable(
        "CASEWORK_FINGERPRINT_KEY_FILE",
        "`var/privacy/fingerprint-key`, made on first use (development)",
        "file holding the fingerprint key (base64)",
        "required (or the key)",
    ),
    Variable(
        "CASEWORK_AUDIT_SIGNING_KEY_FILE",
        "`var/audit/signing-key.pem`, made on first use (development)",
        "Ed25519 key that signs audit checkpoints; create it with `manage.py audit_keygen PATH`",
        "required on workers",
    ),
    Variable(
        "CASEWORK_AUDIT_CHECKPOINT_DIR",
        "`var/audit/checkpoints`",
        "where signed checkpoints are written; storage the database administrators cannot write",
    ),
    Variable(
        "CASEWORK_AUDIT_LOG_ORIGIN",
        "`casework.invalid/audit`",
        "the log's name in every checkpoint and in the verifier key",
    ),
    Variable("CASEWORK_AUDIT_SEAL_SECONDS", "`10`", "how often new audit events are sealed"),
    Variable("CASEWORK_AUDIT_SIGN_SECONDS", "`60`", "at most how often a new checkpoint is signed"),
    Variable(
        "CASEWORK_AUDIT_SEAL_ALERT_SECONDS",
        "`300`",
        'age of the oldest unsealed event that raises "sealing is behind"',
    ),
    Variable(
        "CASEWORK_AUDIT_LOG_PUBLIC",
        "`false`",
        "`true` lets anyone read `/log/` (checkpoint, tiles, verifier key), for an agency that "
        "publishes its log to witnesses; by default only signed-in users and API tokens",
    ),
    Variable(
        "CASEWORK_AUDIT_VERIFIER_KEY",
        "the `verifier.key` the sealer writes",
        "the log's verifier key as `/log/key` serves it, so web processes need no signing key",
    ),
    Variable(
        "CASEWORK_AUDIT_WITNESSES",
        "none",
        "witnesses asked to cosign each new checkpoint: `<add-checkpoint URL> <witness verifier "
        "key>` entries separated by `;`",
    ),
    Variable(
        "CASEWORK_WITNESS_NAME",
        "`casework.invalid/witness`",
        "this installation's name when it witnesses partners' logs",
    ),
    Variable(
        "CASEWORK_WITNESS_SIGNING_KEY_FILE",
        "`var/audit/witness-key.pem`, made on first use (development)",
        "Ed25519 key this installation cosigns partners' checkpoints with (never the log's key)",
        "required when `CASEWORK_WITNESS_LOGS` is set",
    ),
    Variable(
        "CASEWORK_WITNESS_LOGS",
        "none",
        "verifier keys of the partner logs this installation witnesses, separated by spaces or "
        "commas",
    ),
    Variable(
        "CASEWORK_COOP_ISSUER",
        "`casework.invalid` (development); none in production: no pointer sharing",
        "this installation's name in the pointer sets it signs, as partners register it; setting "
        "it turns pointer sharing on",
    ),
    Variable(
        "CASEWORK_COOP_AGENCY",
        "`Casework (development)`",
        "our agency's name as partner agencies' leads are shown it in a hit",
    ),
    Variable(
        "CASEWORK_COOP_SIGNING_KEY_FILE",
        "`var/cooperation/signing-key.pem`, made on first use (development)",
        "Ed25519 key that signs the pointer sets we send; `manage.py pointers_keygen PATH`",
        "required with `CASEWORK_COOP_ISSUER`",
    ),
    Variable(
        "CASEWORK_COOP_GROUP_KEYS_FILE",
        "`var/cooperation/group-keys`, made on first use (development)",
        "the pointer-sharing group's HMAC keys, `<key id> <base64>` a line, current key last",
        "required with `CASEWORK_COOP_ISSUER`",
    ),
    Variable(
        "CASEWORK_COOP_PARTNER_TOKENS_FILE",
        "none",
        "API tokens we present to partners' installations, `<issuer> <token>` a line",
    ),
    Variable(
        "CASEWORK_COOP_HTTP_TIMEOUT_SECONDS",
        "`30`",
        "seconds to wait for a partner installation's API (connecting, and between two reads)",
    ),
    Variable(
        "CASEWORK_COOP_SYNC_MINUTES",
        "`0` (off)",
        "every how many minutes beat fetches each partner's pointer set over its API and pushes "
        "ours (`pointers-sync`); 0 leaves it to `manage.py pointers_sync`",
        "needs `CASEWORK_COOP_ISSUER` and `CASEWORK_COOP_PARTNER_TOKENS_FILE` when set",
    ),
    Variable(
        "CASEWORK_API_TOKEN",
        "none",
        "read by the standalone verifier (`python -m casework.audit.verify`) on the expert's "
        "machine, never by the server: the API token it sends when fetching checkpoints or "
        "proofs by URL",
    ),
    Variable(
        "CASEWORK_OVERSIGHT_WORKERS",
        "`2`",
        "database connections the oversight dashboard uses at once",
    ),
    Variable(
        "CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS",
        "`300`",
        "how often the scheduler recomputes the administrators' all-units figures (0: at every "
        "request); a snapshot older than twice this is not shown",
    ),
    Variable(
        "CASEWORK_API_TOKEN_DAYS",
        "`90`",
        "lifetime of a new or rotated service-account API token, unless the administrator "
        "chooses another",
    ),
    Variable(
        "CASEWORK_API_TOKEN_MAX_DAYS",
        "`365`",
        "the longest lifetime an administrator may give a token",
    ),
    Variable(
        "CASEWORK_OIDC_ISSUER",
        "unset (single sign-on off)",
        "the agency identity provider's issuer URL, exactly as its discovery document states "
        'it; turns on "Sign in with …" (see `docs/single-sign-on.md`)',
    ),
    Variable(
        "CASEWORK_OIDC_CLIENT_ID",
        "none",
        "Casework's client id at the provider (required with the issuer)",
    ),
    Variable(
        "CASEWORK_OIDC_CLIENT_SECRET_FILE",
        "none",
        "file holding the client secret (required with the issuer)",
    ),
    Variable(
        "CASEWORK_OIDC_PROVIDER_NAME",
        "`your agency account`",
        'the name on the "Sign in with …" button',
    ),
    Variable(
        "CASEWORK_OIDC_SCOPES",
        "`openid,profile,email`",
        "scopes asked for; must include `openid`",
    ),
    Variable(
        "CASEWORK_OIDC_GROUPS_CLAIM",
        "`groups`",
        "the claim listing a person's groups, mapped to roles and units in the admin",
    ),
    Variable(
        "CASEWORK_OIDC_CREATE_USERS",
        "`false`",
        "create an account at a person's first sign-in when their groups map to a role",
    ),
    Variable(
        "CASEWORK_OIDC_ONLY",
        "`false`",
        "offer the provider only; the password form stays behind a break-glass link",
    ),
    Variable(
        "CASEWORK_OIDC_SECOND_FACTOR",
        "`either`",
        "`either`, `provider` (the provider's multi-factor is required) or `casework` (always "
        "Casework's own code)",
    ),
    Variable(
        "CASEWORK_OIDC_MFA_AMR",
        "`mfa,mca,otp,hwk,sc`",
        "`amr` values that count as multi-factor",
    ),
    Variable(
        "CASEWORK_OIDC_MFA_ACR",
        "none",
        "`acr` values that count as multi-factor (also requested as `acr_values`)",
    ),
    Variable(
        "CASEWORK_OIDC_MAX_AUTH_AGE_MINUTES",
        "`0`",
        "ask the provider to re-authenticate anyone who signed in there longer ago (`max_age`)",
    ),
    Variable(
        "CASEWORK_OIDC_SIGNING_ALGORITHM",
        "`RS256`",
        "the algorithm ID tokens must be signed with",
    ),
    Variable(
        "CASEWORK_OIDC_TIMEOUT_SECONDS",
        "`10`",
        "how long to wait for the provider",
    ),
    Variable(
        "CASEWORK_REQUIRE_2FA",
        "`true` (`false` under `make run`)",
        "two-factor sign-in (TOTP, or a passkey once added) for everyone; cannot be off in "
        "production",
    ),
    Variable(
        "CASEWORK_SESSION_IDLE_MINUTES",
        "`30`",
        "sign out after this long without activity (CJIS AC-11)",
    ),
    Variable(
        "CASEWORK_SESSION_MAX_HOURS", "`12`", "sign in again after this long however active (IA-11)"
    ),
    Variable("CASEWORK_LOCKOUT_FAILURES", "`5`", "failed sign-ins that lock an account (AC-7)…"),
    Variable(
        "CASEWORK_LOCKOUT_WINDOW_MINUTES",
        "`15`",
        "…within this window; an administrator releases it",
    ),
    Variable("CASEWORK_INACTIVE_DAYS", "`90`", "accounts unused this long are disabled (AC-2(3))"),
    Variable("CASEWORK_TIME_ZONE", "`UTC`", "default display time zone"),
    Variable("CASEWORK_MAX_REQUEST_BYTES", "`10485760`", "largest accepted request body"),
    Variable(
        "CASEWORK_SSL_REDIRECT",
        "`true` in production",
        "redirect HTTP to HTTPS (off if the proxy does it)",
    ),
    Variable("CASEWORK_HSTS_SECONDS", "`31536000` in production", "HSTS max-age"),
    Variable("CASEWORK_LOG_LEVEL", "`INFO`", "log level; every log line carries the request id"),
    Variable("CASEWORK_PORT", "`8000`", "port of `make run`"),
)

BY_NAME = {variable.name: variable for variable in VARIABLES}


def markdown_table() -> str:
    rows = [
        "| variable | default | production | meaning |",
        "|---|---|---|---|",
    ]
    for variable in VARIABLES:
        rows.append(
            f"| `{variable.name}` | {variable.default} | {variable.production} "
            f"| {variable.meaning} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
