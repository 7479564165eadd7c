"""The benchmark's own database, next to the application's on the same server.

The harness never writes into the database people work in: it creates (or recreates)
``casework_bench`` on the server that ``DATABASE_URL`` or the embedded cluster points at, migrates
it with the project's migrations, and points Django's default connection at it for the rest of
the run, so the application code under test runs unchanged.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from django.core.management import call_command
from django.db import connection

DEFAULT_NAME = "casework_bench"
_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]*bench[a-z0-9_]*$")


class BenchDatabaseError(Exception):
    pass


def _check(name: str) -> None:
    # The harness drops this database: refuse any name that could be a working database.
    if not _SAFE_NAME.match(name):
        raise BenchDatabaseError(
            f"--database {name!r}: the benchmark database's name must be lower-case letters, "
            "digits and underscores and contain 'bench' (it is dropped and recreated)."
        )


def exists(name: str) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cur.fetchone() is not None


def recreate(name: str, *, template: str = "") -> None:
    """Drop and create ``name`` from the application database's connection; with ``template``,
    as a copy of that (already migrated, otherwise unused) database, which saves the
    migrations' time (the harness's own tests copy their test database)."""
    _check(name)
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template:
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            cur.execute(f'CREATE DATABASE "{name}"')


def drop(name: str) -> None:
    _check(name)
    use(_original_name)
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_original_name: str = ""


def use(name: str) -> None:
    """Point Django's default connection at ``name`` from now on."""
    global _original_name
    if not _original_name:
        _original_name = connection.settings_dict["NAME"]
    connection.close()
    # The connection handler shares this dict with settings.DATABASES, so every later
    # connection (including the test client's requests) goes to the benchmark database.
    connection.settings_dict["NAME"] = name


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)


def tune_session(*, check_references: bool = False) -> bool:
    """Session settings for loading: a lost benchmark row on a crash costs nothing, and
    (as superuser, unless ``check_references``) triggers are off while loading.

    Triggers off means foreign keys are not checked row by row (the generator builds every
    reference from ids it has just written, and tests/bench checks them) and row triggers such
    as history capture do not fire: the generator writes the audit trail itself. Returns whether
    triggers are off.
    """
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = bool(cur.fetchone()[0])
        if superuser and not check_references:
            cur.execute("SET session_replication_role = replica")
            return True
    return False


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its PostgreSQL backend (Linux, same
    machine; the backend's figure is 0 when its /proc entry cannot be read)."""
    own = time.process_time()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        backend = 0.0
    return own, backend


def restore_session() -> None:
    with connection.cursor() as cur:
        cur.execute("RESET session_replication_role")
        cur.execute("RESET synchronous_commit")
