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
        state = _cluster_state(server)
        if state.get("database") != "1":
            server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
        configure_embedded_cluster(server, state)
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigurationError(
            f"The embedded PostgreSQL under {pgdata} did not start ({first_line}): "
            f"see {pgdata}/log, or set DATABASE_URL to a PostgreSQL server."
        ) from None
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql://postgres@/{EMBEDDED_DB_NAME}?host={quote(str(socket_dir), safe='')}"


_MB = 1024 * 1024


def embedded_server_settings(memory_bytes: int | None = None) -> dict[str, str]:
    """The server settings of the embedded cluster: a quarter of the machine's memory for
    PostgreSQL's buffers (at least its 128 MB default, at most 4 GB) and room for a national
    import's write-ahead log between checkpoints.

    initdb's defaults (128 MB of buffers, a checkpoint after every 1 GB of WAL) are sized for a
    small machine shared with other work. On a national database they made every backend
    write its own dirty pages and forced a checkpoint every few seconds of an import, each
    followed by full-page images of every index page touched again (docs/performance.md,
    "Twelfth session"). docs/operations.md gives the same settings for a production server.
    """
    if memory_bytes is None:
        try:
            memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):  # pragma: no cover - no sysconf
            memory_bytes = 0
    shared = min(max(memory_bytes // 4, 128 * _MB), 4096 * _MB)
    return {
        "shared_buffers": f"{shared // _MB}MB",
        "wal_buffers": "64MB",
        "max_wal_size": "8GB",
        "checkpoint_timeout": "15min",
    }


# Changed only by a restart; the others by a reload.
_RESTART_SETTINGS = ("shared_buffers", "wal_buffers")


def _cluster_state(server) -> dict[str, str]:
    """Whether the Casework database exists (``database``: 1 or 0) and the running values of
    ``embedded_server_settings`` (bytes for a size, seconds for a time), in one ``psql`` call:
    every process that starts runs it."""
    names = ", ".join(repr(name) for name in embedded_server_settings())
    output = server.psql(
        f"SELECT 'database=' || count(*) FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}' "
        "UNION ALL SELECT name || '=' || CASE WHEN unit IS NULL OR unit = 's' THEN setting "
        "ELSE pg_size_bytes(current_setting(name))::text END "
        f"FROM pg_settings WHERE name IN ({names});"
    )
    return dict(line.strip().split("=", 1) for line in output.splitlines() if "=" in line)


def configure_embedded_cluster(server, state: dict[str, str]) -> None:
    """Give the running embedded cluster ``embedded_server_settings`` (``ALTER SYSTEM``, kept
    in its ``postgresql.auto.conf``) unless ``state`` shows it has them. A reload applies
    most; buffer sizes need a restart, which happens once: on the cluster's first start, or
    when the wanted sizes change.

    The change is made under pgserver's own inter-process lock, after reading the state again,
    so two processes starting together (web, worker, scheduler) never restart it twice."""
    import pgserver

    wanted = embedded_server_settings()
    if all(_same(value, state.get(name)) for name, value in wanted.items()):
        return
    with pgserver.PostgresServer._lock:
        state = _cluster_state(server)
        if all(_same(value, state.get(name)) for name, value in wanted.items()):
            return
        statements = "".join(f"ALTER SYSTEM SET {n} = '{v}';" for n, v in wanted.items())
        server.psql(statements + "SELECT pg_reload_conf();")
        if any(not _same(wanted[name], state.get(name)) for name in _RESTART_SETTINGS):
            from pgserver._commands import pg_ctl  # what PostgresServer starts it with

            pg_ctl(["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user)


def _same(wanted: str, found: str | None) -> bool:
    """Whether the running ``found`` (bytes for a size, seconds for a time) is ``wanted``."""
    if found is None:
        return False
    if wanted.endswith("min"):
        return found == str(int(wanted[: -len("min")]) * 60)
    units = {"MB": _MB, "GB": 1024 * _MB}
    return found == str(int(wanted[:-2]) * units[wanted[-2:]])


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
