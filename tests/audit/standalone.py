"""Run the project's verifier as an outsider would: its files alone, no Django, no database.

The verifier's modules are copied into a fresh directory and run with ``python -I`` (no
environment variables, no user site, no current directory on the path) and with ``django``
and ``psycopg`` made unimportable, so a stray import fails the test instead of quietly using
the installed project.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import casework.audit

VERIFIER_MODULES = ("verify.py", "merkle.py", "notes.py", "cosignatures.py")

_RUN = (
    "import runpy, sys; sys.path.insert(0, {root!r}); "
    "sys.modules.update(django=None, psycopg=None); "
    "sys.argv = ['verify', *sys.argv[1:]]; "
    "runpy.run_module('casework.audit.verify', run_name='__main__')"
)


def verifier_copy(directory: Path) -> Path:
    package = directory / "verifier" / "casework" / "audit"
    if not package.exists():
        package.mkdir(parents=True)
        (package.parent / "__init__.py").write_text("")
        (package / "__init__.py").write_text("")
        source = Path(casework.audit.__file__).parent
        for name in VERIFIER_MODULES:
            shutil.copy(source / name, package / name)
    return directory / "verifier"


def run_verifier(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    root = verifier_copy(cwd)
    return subprocess.run(
        [sys.executable, "-I", "-c", _RUN.format(root=str(root)), *args],
        capture_output=True,
        text=True,
        cwd=str(cwd),
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
    )
