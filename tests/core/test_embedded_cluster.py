"""The embedded PostgreSQL runs with buffers and checkpoints sized for the work, not initdb's
defaults (docs/performance.md, "Twelfth session")."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from config.database import embedded_server_settings

GB = 1024**3


@pytest.mark.parametrize(
    ("memory", "buffers"),
    [
        (0, "128MB"),  # memory unknown: PostgreSQL's own default
        (256 * 1024**2, "128MB"),  # never below the default
        (8 * GB, "2048MB"),  # a quarter of the machine
        (24 * GB, "4096MB"),
        (256 * GB, "4096MB"),  # at most 4 GB: the rest is the kernel's page cache
    ],
)
def test_buffers_are_a_quarter_of_memory_within_bounds(memory, buffers):
    settings = embedded_server_settings(memory)
    assert settings["shared_buffers"] == buffers
    # A national import writes several GB of WAL: one checkpoint per GB forced a checkpoint
    # every few seconds of it.
    assert settings["max_wal_size"] == "8GB"
    assert settings["checkpoint_timeout"] == "15min"


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="an operator's server keeps its own settings"
)
@pytest.mark.django_db
def test_the_running_embedded_cluster_has_them():
    """Starting the cluster gives it the settings (a restart for the buffers, once)."""
    wanted = embedded_server_settings()
    with connection.cursor() as cursor:
        for name, value in wanted.items():
            if value.endswith("min"):
                cursor.execute("SELECT current_setting(%s)", [name])
                assert cursor.fetchone()[0] == value, name
            else:
                cursor.execute(
                    "SELECT pg_size_bytes(current_setting(%s)) = pg_size_bytes(%s)", [name, value]
                )
                assert cursor.fetchone()[0], name
