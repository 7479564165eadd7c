"""Where the database is: ``DATABASE_URL``, or a private PostgreSQL cluster under ``var/``.

The embedded cluster is real PostgreSQL (from the ``pgserver`` package, no install needed), so
development and tests use the same engine, constraints and triggers as production. It is started
on first use and left running between commands (``cleanup_mode=None``) so that ``manage.py``,
the worker, the scheduler and the tests share it; ``make stop-db`` stops it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import dj_database_url

from .env import ConfigurationError

EMBEDDED_DB_NAME = "casework"


def embedded_pgdata(base_dir: Path) -> Path:
    return Path(os.environ.get("CASEWORK_PGDATA", base_dir / "var" / "pgdata"))


def start_embedded_cluster(pgdata: Path) -> str:
    """Start (or attach to) the embedded cluster and return a URL for the Casework database."""
    try:
        import pgserver
    except ImportError:  # pragma: no cover - install problem
        raise ConfigurationError(
            "DATABASE_URL is not set and the embedded PostgreSQL (pgserver) is not installed: "
            "run 'make run' or 'pip install -e .'."
        ) from None
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}';")
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigurationError(
            f"The embedded PostgreSQL under {pgdata} did not start ({first_line}): "
            f"see {pgdata}/log, or set DATABASE_URL to a PostgreSQL server."
        ) from None
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql://postgres@/{EMBEDDED_DB_NAME}?host={quote(str(socket_dir), safe='')}"


def database_config(base_dir: Path, *, url: str | None) -> dict:
    if url is None:
        url = start_embedded_cluster(embedded_pgdata(base_dir))
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        raise ConfigurationError(
            "DATABASE_URL must point at PostgreSQL (postgresql://user@host:port/name): "
            "Casework relies on PostgreSQL constraints, triggers and full-text search."
        )
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    config.setdefault("OPTIONS", {})
    config["OPTIONS"].setdefault("connect_timeout", 5)
    config["OPTIONS"].setdefault("application_name", "casework")
    return config
