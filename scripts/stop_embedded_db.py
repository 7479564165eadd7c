"""Stop the embedded PostgreSQL under var/pgdata (it is left running between commands)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PGDATA = Path(__file__).resolve().parent.parent / "var" / "pgdata"

if not (PGDATA / "postmaster.pid").exists():
    print("The embedded database is not running.")
    sys.exit(0)
import pgserver  # noqa: E402

pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
command = [str(pg_ctl), "-D", str(PGDATA), "-m", "fast", "-w", "stop"]
owner = PGDATA.owner()
if owner != "root" and Path("/").owner() == "root" and sys.platform == "linux":
    import os

    if os.geteuid() == 0:
        command = ["su", owner, "-s", "/bin/sh", "-c", " ".join(command)]
sys.exit(subprocess.call(command))
