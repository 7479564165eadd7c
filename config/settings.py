"""Casework settings, read from the environment (README.md lists every variable).

``DJANGO_ENV`` is ``development`` (the default: embedded PostgreSQL and broker, demo-friendly) or
``production`` (refuses to start without a secret key, allowed hosts, a database URL, a Redis or
RabbitMQ broker, an https base URL and an e-mail backend that delivers — ``config/required.py``
— and turns on every transport-security setting that ``manage.py check --deploy`` asks for).
Every variable read here is listed in ``config/variables.py``.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from kombu import Exchange

from .database import database_config
from .env import ConfigurationError, env_bool, env_int, env_list, env_str
from .oidc import oidc_settings
from .required import (
    base_url,
    broker_url,
    cooperation_key_file,
    cooperation_sync,
    email_backend,
    email_file_path,
    privacy_keys,
)
from .spectacular import enum_name_overrides
from .webauthn import passkey_relying_party

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ConfigurationError(f"DJANGO_ENV={DJANGO_ENV!r} must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ConfigurationError(
            "DJANGO_SECRET_KEY must be at least 50 random characters in production: "
            "generate one with 'python -c \"import secrets; print(secrets.token_urlsafe(64))\"'."
        )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ConfigurationError(
            "DJANGO_ALLOWED_HOSTS must list the host names Casework is served under in production."
        )
    if not env_str("DATABASE_URL"):
        raise ConfigurationError(
            "DATABASE_URL must be set in production: the embedded database is for development only."
        )
    DEBUG = False
else:
    SECRET_KEY = env_str(
        "DJANGO_SECRET_KEY", "development-only-key-not-for-production-use-0123456789abcdef"
    )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
    DEBUG = env_bool("DJANGO_DEBUG", False)

# Apps. Every domain app is registered here once so that new features never fight over
# this list; an app with no models yet costs nothing.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "guardian",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "casework.core",
    "casework.accounts",
    "casework.audit",
    "casework.privacy",
    "casework.referrals",
    "casework.cases",
    "casework.deadlines",
    "casework.partners",
    "casework.custody",
    "casework.hashsets",
    "casework.case_templates",
    "casework.linked_cases",
    "casework.cooperation",
    "casework.oversight",
    "casework.retention",
    "casework.search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the policy too (and stay cacheable).
    "casework.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "casework.core.middleware.RequestContextMiddleware",
    "casework.core.middleware.RefuseFileUploadsMiddleware",
    "casework.core.middleware.RefuseUnstorableTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "casework.core.error_pages.MethodNotAllowedMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "casework.accounts.middleware.SessionLifetimeMiddleware",
    "casework.accounts.middleware.TwoFactorRequiredMiddleware",
    # Tells the database-level change capture who is acting (after authentication).
    "casework.audit.capture.AuditActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
# Forms render through USWDS templates with an error summary (casework/core/renderers.py).
FORM_RENDERER = "casework.core.renderers.CaseworkFormRenderer"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "casework" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.core.context_processors.shell",
            ],
        },
    },
]

DATABASES = {"default": database_config(BASE_DIR, url=env_str("DATABASE_URL"))}
DATABASES["default"]["TEST"] = {"NAME": env_str("CASEWORK_TEST_DB_NAME", "test_casework")}
# Persistent connections: a new connection per request costs its set-up and, worse, PostgreSQL
# compiles and plans each audit capture function again in every new session.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CASEWORK_DB_CONN_MAX_AGE", 300, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Database connections the oversight dashboard uses at once to compute its figures (one per
# core is right; 1 computes them one after the other on the request's own connection).
CASEWORK_OVERSIGHT_WORKERS = env_int("CASEWORK_OVERSIGHT_WORKERS", 2, minimum=1)
# How often the scheduler recomputes the administrators' all-units figures, which the page then
# shows with the moment they were computed (casework/oversight/snapshots.py); 0 computes them
# at every request. A snapshot older than twice this is not shown.
CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS = env_int(
    "CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS", 300, minimum=0, maximum=86400
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "casework.accounts.backends.LockoutAwareModelBackend",
    # Single sign-on (OpenID Connect); answers nothing while CASEWORK_OIDC_ISSUER is unset.
    "casework.accounts.oidc.CaseworkOIDCBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Argon2id first: memory-hard, the OWASP recommendation for password storage.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-guardian: no anonymous user; nobody sees anything without signing in.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

# Account and session rules (CJIS Security Policy defaults; each configurable).
CASEWORK_SESSION_IDLE_MINUTES = env_int("CASEWORK_SESSION_IDLE_MINUTES", 30, minimum=1)  # AC-11
CASEWORK_SESSION_MAX_HOURS = env_int("CASEWORK_SESSION_MAX_HOURS", 12, minimum=1)  # IA-11
CASEWORK_LOCKOUT_FAILURES = env_int("CASEWORK_LOCKOUT_FAILURES", 5, minimum=1)  # AC-7
CASEWORK_LOCKOUT_WINDOW_MINUTES = env_int("CASEWORK_LOCKOUT_WINDOW_MINUTES", 15, minimum=1)
CASEWORK_INACTIVE_DAYS = env_int("CASEWORK_INACTIVE_DAYS", 90, minimum=1)  # AC-2(3)
CASEWORK_REQUIRE_2FA = env_bool("CASEWORK_REQUIRE_2FA", True)  # IA-2
# Triage clocks are the "Referral triage" deadline rules administrators edit (docs/deadlines.md),
# the one source of a referral's clock. The variables that used to set them are refused rather
# than silently ignored: a unit that shortened its P1 clock must not lose that without noticing.
_RETIRED_TRIAGE = [
    f"CASEWORK_TRIAGE_P{n}_HOURS" for n in range(1, 5) if env_str(f"CASEWORK_TRIAGE_P{n}_HOURS", "")
]
if _RETIRED_TRIAGE:
    raise ConfigurationError(
        f"{', '.join(_RETIRED_TRIAGE)} is no longer read: set the triage clock of each priority in "
        "the administration, Deadlines > Deadline rules > Triage of a Pn referral (see "
        "docs/referrals.md), then remove the variable."
    )
if PRODUCTION and not CASEWORK_REQUIRE_2FA:
    raise ConfigurationError("CASEWORK_REQUIRE_2FA cannot be switched off in production.")
OTP_TOTP_ISSUER = "Casework"
# Single sign-on with the agency's OpenID Connect provider (docs/single-sign-on.md): the
# CASEWORK_OIDC_* variables and the OIDC_* settings mozilla-django-oidc reads, all derived there.
globals().update(oidc_settings(production=PRODUCTION))

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = CASEWORK_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# E-mail (notifications, reminders). The console backend prints them in development and demos;
# production refuses it, since it would print case numbers into the logs and reach nobody.
EMAIL_BACKEND = email_backend(env_str("CASEWORK_EMAIL_BACKEND"), production=PRODUCTION)
EMAIL_HOST = env_str("CASEWORK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CASEWORK_EMAIL_PORT", 25, minimum=1)
EMAIL_USE_TLS = env_bool("CASEWORK_EMAIL_USE_TLS", False)
EMAIL_HOST_USER = env_str("CASEWORK_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("CASEWORK_EMAIL_HOST_PASSWORD", "")
DEFAULT_FROM_EMAIL = env_str("CASEWORK_EMAIL_FROM", "casework@localhost")
# The file backend writes one file per message into this folder (Django needs it named).
EMAIL_FILE_PATH = email_file_path(
    env_str("CASEWORK_EMAIL_FILE_PATH"),
    backend=EMAIL_BACKEND,
    production=PRODUCTION,
    default=VAR_DIR / "mail",
)
CASEWORK_BASE_URL = base_url(env_str("CASEWORK_BASE_URL"), production=PRODUCTION)
# An e-mail owed this long (its task lost with a worker, or the mail server failed) is sent
# again by the retry sweep; the wait doubles after each failure, five attempts in all.
CASEWORK_EMAIL_RETRY_SECONDS = env_int("CASEWORK_EMAIL_RETRY_SECONDS", 600, minimum=10)

# Passkeys (WebAuthn, django-otp-webauthn) as a second factor beside TOTP. A passkey is bound to
# the relying party ID, the host name people open Casework under, so it comes from
# CASEWORK_BASE_URL; changing that host later means everyone enrols their passkeys again.
OTP_WEBAUTHN_RP_ID, OTP_WEBAUTHN_ALLOWED_ORIGINS = passkey_relying_party(
    CASEWORK_BASE_URL, production=PRODUCTION
)
OTP_WEBAUTHN_RP_NAME = "Casework"
# A second factor only: a passkey never replaces the password (the sign-in lock-out, the
# password rules and the audit of sign-ins all hang off the password step).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# API tokens belong to service accounts (casework/accounts/service_accounts.py). A new or rotated
# token lives this many days unless the administrator says otherwise, never more than the maximum.
CASEWORK_API_TOKEN_DAYS = env_int("CASEWORK_API_TOKEN_DAYS", 90, minimum=1)
CASEWORK_API_TOKEN_MAX_DAYS = env_int("CASEWORK_API_TOKEN_MAX_DAYS", 365, minimum=1)
if CASEWORK_API_TOKEN_DAYS > CASEWORK_API_TOKEN_MAX_DAYS:
    raise ConfigurationError(
        f"CASEWORK_API_TOKEN_DAYS={CASEWORK_API_TOKEN_DAYS} is longer than "
        f"CASEWORK_API_TOKEN_MAX_DAYS={CASEWORK_API_TOKEN_MAX_DAYS}: "
        "shorten it or raise the maximum."
    )

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("CASEWORK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "casework" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Media never enters Casework: no upload is accepted anywhere (see RefuseFileUploadsMiddleware),
# and Django must never spool a request body to disk.
FILE_UPLOAD_HANDLERS: list[str] = []
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CASEWORK_MAX_REQUEST_BYTES", 10 * 1024 * 1024, minimum=1024)

# Security headers. Production turns on transport security; development stays on plain HTTP.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("CASEWORK_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("CASEWORK_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Django REST framework: JSON only (no multipart or form parsers, so an upload gets 415),
# errors as RFC 9457 problem details.
REST_FRAMEWORK = {
    # Token first: DRF asks the first class for the WWW-Authenticate header, and only with one
    # does a refused or missing credential answer 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "casework.core.api.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "casework.core.api_schema.CaseworkAutoSchema",
    "EXCEPTION_HANDLER": "casework.core.api.problem_details_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "30/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casework API",
    "DESCRIPTION": (
        "Case management and audit for units investigating online child sexual exploitation. "
        "Metadata only: media never enters Casework. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # API_DOCS_PUBLIC below, read at request time (so tests can flip it).
    "SERVE_PERMISSIONS": ["casework.core.permissions.SchemaAccess"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": enum_name_overrides(BASE_DIR / "casework"),
    # 3.1: nullable references are plain JSON Schema (``oneOf: [$ref, null]``) that validators
    # and fuzzers read the same way.
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "casework.core.api_schema.schema_problem_responses",
    ],
}

# The OpenAPI schema and its browsable docs: open in development, signed-in users only in
# production (the schema maps every route and field an attacker would probe).
API_DOCS_PUBLIC = not PRODUCTION

# Celery: configured once here, used by config/celery.py. Without CELERY_BROKER_URL the
# broker is kombu's filesystem transport under var/, which needs no server (development only).
CELERY_BROKER_URL = broker_url(env_str("CELERY_BROKER_URL"), production=PRODUCTION)
CELERY_BROKER_FOLDER = Path(env_str("CASEWORK_BROKER_DIR", str(VAR_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
else:
    # Redis only: a task taken by a worker that dies is handed out again after this long, so it
    # is how late a dead worker's reminders go out. It must exceed the longest task (the
    # nightly audit verification: about 160 s over 20 million events, docs/performance.md), or
    # a task still running is handed to a second worker too. RabbitMQ ignores it: it hands a
    # dead worker's tasks out again as soon as the connection drops.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CASEWORK_REDIS_VISIBILITY_TIMEOUT", 900, minimum=30),
        # Look for such tasks every 10 s (one sorted-set read), not every 100 s (kombu's default
        # scans on every tenth tick), so the timeout alone says how late they come back.
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_IGNORE_RESULT = True
# Acknowledged after running: every task is idempotent (what must happen once is held by a
# database constraint). The tasks that must survive a worker's death (reminders, e-mails) also
# set ``reject_on_worker_lost``, so another worker runs them; not all tasks, because a task
# that itself kills its worker would then be handed round for ever.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = env_str(
    "CASEWORK_BEAT_SCHEDULE_FILE", str(VAR_DIR / "celerybeat-schedule")
)
# Beat's own scheduler, which creates the schedule file's folder before opening it.
CELERY_BEAT_SCHEDULER = "config.celery:CaseworkScheduler"
CELERY_HEARTBEAT_SECONDS = env_int("CASEWORK_HEARTBEAT_SECONDS", 60, minimum=5)
# How many workers should run: fewer beating shows red on the administrator's home page.
CASEWORK_WORKERS_EXPECTED = env_int("CASEWORK_WORKERS_EXPECTED", 1, minimum=1)
# The heartbeat is broadcast: every worker gets its own copy on a queue named after it
# (config/celery.py), so each proves it is alive and a dead one can be named.
CASEWORK_HEARTBEAT_EXCHANGE = Exchange("casework.heartbeat", type="fanout", durable=False)
CELERY_TASK_ROUTES = {
    "casework.core.heartbeat": {
        "exchange": CASEWORK_HEARTBEAT_EXCHANGE.name,
        "exchange_type": "fanout",
        # Ignored by a fanout exchange, but Redis names its channel after it: the same key on
        # both sides (config/celery.py), never empty (Celery would put its default in).
        "routing_key": "heartbeat",
        "declare": [CASEWORK_HEARTBEAT_EXCHANGE],
    }
}
# The beat schedule lives in code: one entry per periodic task, each a thin wrapper over a service.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "casework.core.heartbeat",
        "schedule": timedelta(seconds=CELERY_HEARTBEAT_SECONDS),
        "kwargs": {"source": "beat"},
        # A beat queued for a worker that was down is dropped when it comes back, not run late.
        "options": {"expires": CELERY_HEARTBEAT_SECONDS},
    },
    # Notification e-mails owed (a worker or the broker lost the task, the mail server failed):
    # sent again with a growing wait, five attempts in all.
    "notification-emails-retry": {
        "task": "casework.core.retry_notification_emails",
        "schedule": timedelta(seconds=60),
    },
    # Deadlines: mark missed clocks, escalate, claim due reminders (each exactly once).
    "deadlines-sweep": {
        "task": "casework.deadlines.sweep",
        "schedule": timedelta(seconds=env_int("CASEWORK_DEADLINES_SWEEP_SECONDS", 60, minimum=10)),
    },
    "disable-inactive-accounts": {
        "task": "casework.accounts.disable_inactive_accounts",
        "schedule": crontab(minute=15, hour=2),
    },
    # Audit: seal committed events into the hash chain and Merkle tree, sign checkpoints.
    "audit-seal": {
        "task": "casework.audit.seal",
        "schedule": timedelta(seconds=env_int("CASEWORK_AUDIT_SEAL_SECONDS", 10, minimum=1)),
    },
    "audit-verify": {
        "task": "casework.audit.verify",
        "schedule": crontab(minute=40, hour=3),
    },
}
if CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS:
    CELERY_BEAT_SCHEDULE["oversight-snapshots"] = {
        "task": "casework.oversight.refresh_snapshots",
        "schedule": timedelta(seconds=CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS),
        # A refresh still queued when the next is due is dropped: the next does the same work.
        "options": {"expires": CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS},
    }

# Field encryption (casework/privacy/keys.py reads these): the key-encryption key wraps the data
# keys, the fingerprint key keys the lookups; neither enters the database. Production refuses to
# start without both; every process checks them against the stored key check (config/startup.py).
CASEWORK_KEK = env_str("CASEWORK_KEK", "")
CASEWORK_KEK_FILE = env_str("CASEWORK_KEK_FILE", "")
CASEWORK_FINGERPRINT_KEY = env_str("CASEWORK_FINGERPRINT_KEY", "")
CASEWORK_FINGERPRINT_KEY_FILE = env_str("CASEWORK_FINGERPRINT_KEY_FILE", "")
privacy_keys(
    kek=CASEWORK_KEK or CASEWORK_KEK_FILE,
    fingerprint_key=CASEWORK_FINGERPRINT_KEY or CASEWORK_FINGERPRINT_KEY_FILE,
    production=PRODUCTION,
)

# Audit ledger (casework/audit/conf.py reads these). The signing key never enters the database;
# production workers refuse to start without it (config/startup.py).
AUDIT_SIGNING_KEY_FILE = env_str("CASEWORK_AUDIT_SIGNING_KEY_FILE", "")
AUDIT_CHECKPOINT_DIR = env_str("CASEWORK_AUDIT_CHECKPOINT_DIR", "")
AUDIT_LOG_ORIGIN = env_str("CASEWORK_AUDIT_LOG_ORIGIN", "casework.invalid/audit")
AUDIT_SIGN_SECONDS = env_int("CASEWORK_AUDIT_SIGN_SECONDS", 60, minimum=0)
AUDIT_SEAL_ALERT_SECONDS = env_int("CASEWORK_AUDIT_SEAL_ALERT_SECONDS", 300, minimum=1)
# The log over HTTP (/log/) and witnesses (casework/audit/conf.py parses the lists).
AUDIT_LOG_PUBLIC = env_bool("CASEWORK_AUDIT_LOG_PUBLIC", False)
AUDIT_VERIFIER_KEY = env_str("CASEWORK_AUDIT_VERIFIER_KEY", "")
AUDIT_WITNESSES = env_str("CASEWORK_AUDIT_WITNESSES", "")
WITNESS_NAME = env_str("CASEWORK_WITNESS_NAME", "")
WITNESS_SIGNING_KEY_FILE = env_str("CASEWORK_WITNESS_SIGNING_KEY_FILE", "")
WITNESS_LOGS = env_str("CASEWORK_WITNESS_LOGS", "")

# Deconfliction between installations (casework/cooperation/conf.py reads these; the key files
# are generated under var/ in development and required in production, config/required.py).
# Without an issuer a production installation does not take part (its pages say so).
COOP_ISSUER = env_str("CASEWORK_COOP_ISSUER", "" if PRODUCTION else "casework.invalid")
COOP_AGENCY = env_str("CASEWORK_COOP_AGENCY", "Casework (development)")
COOP_SIGNING_KEY_FILE = cooperation_key_file(
    env_str("CASEWORK_COOP_SIGNING_KEY_FILE"),
    name="CASEWORK_COOP_SIGNING_KEY_FILE",
    production=PRODUCTION and bool(COOP_ISSUER),
)
COOP_GROUP_KEYS_FILE = cooperation_key_file(
    env_str("CASEWORK_COOP_GROUP_KEYS_FILE"),
    name="CASEWORK_COOP_GROUP_KEYS_FILE",
    production=PRODUCTION and bool(COOP_ISSUER),
)
# Tokens our installation presents to partners' APIs: one '<issuer> <token>' a line.
COOP_PARTNER_TOKENS_FILE = env_str("CASEWORK_COOP_PARTNER_TOKENS_FILE", "")
# Exchange over partners' APIs (casework/cooperation/client.py): how long to wait for a partner's
# answer, and how often beat fetches their sets and pushes ours (0: never, the default).
COOP_HTTP_TIMEOUT_SECONDS = env_int("CASEWORK_COOP_HTTP_TIMEOUT_SECONDS", 30, minimum=1)
COOP_SYNC_MINUTES = env_int("CASEWORK_COOP_SYNC_MINUTES", 0, minimum=0)
cooperation_sync(
    minutes=COOP_SYNC_MINUTES, issuer=COOP_ISSUER, tokens_file=COOP_PARTNER_TOKENS_FILE
)
if COOP_SYNC_MINUTES:
    CELERY_BEAT_SCHEDULE["pointers-sync"] = {
        "task": "casework.cooperation.sync",
        "schedule": timedelta(minutes=COOP_SYNC_MINUTES),
        # A sync still queued when the next is due is dropped: the next one does the same work.
        "options": {"expires": COOP_SYNC_MINUTES * 60},
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "casework.core.context.RequestIdLogFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("CASEWORK_LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
