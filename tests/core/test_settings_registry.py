"""Every environment variable Casework reads is listed once (``config/variables.py``) and in
both settings tables an operator reads: the README's and the operations guide's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from config.variables import BY_NAME, markdown_table

ROOT = Path(__file__).resolve().parents[2]
READERS = {"env_str", "env_int", "env_bool", "env_list", "getenv", "get", "setdefault", "pop"}
# Django's own, set by manage.py and the entry points, never by an operator.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}
NAME = re.compile(r"^(CASEWORK|DJANGO|CELERY|DATABASE)_[A-Z0-9_]+$")


def variables_read_by_the_code() -> dict[str, str]:
    """Name -> where, for every literal variable name passed to an environment reader in
    config/ and casework/ (``env_int("CASEWORK_…")``, ``os.environ.get("…")``, ``environ[…]``)."""
    found = {}
    files = [*ROOT.joinpath("config").glob("*.py"), *ROOT.joinpath("casework").rglob("*.py")]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            literal = None
            if isinstance(node, ast.Call) and node.args:
                function = node.func
                name = (
                    function.attr
                    if isinstance(function, ast.Attribute)
                    else getattr(function, "id", "")
                )
                is_environ = isinstance(function, ast.Attribute) and "environ" in ast.unparse(
                    function.value
                )
                if name in READERS and (name.startswith(("env_", "getenv")) or is_environ):
                    literal = node.args[0]
            elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
                literal = node.slice
            if (
                isinstance(literal, ast.Constant)
                and isinstance(literal.value, str)
                and NAME.match(literal.value)
                and literal.value not in NOT_SETTINGS
            ):
                found.setdefault(literal.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def table_names(document: Path, heading: str) -> list[str]:
    """Variable names in the first column of the table under ``heading``."""
    text = document.read_text(encoding="utf-8")
    assert heading in text, f"{document.name} has no '{heading}' section"
    section = text.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    return re.findall(r"^\| `([A-Z0-9_]+)` \|", "\n".join(rows), flags=re.MULTILINE)


def test_every_variable_the_code_reads_is_in_the_registry():
    read = variables_read_by_the_code()
    assert "CASEWORK_BASE_URL" in read and "CASEWORK_PGDATA" in read  # the scan works
    missing = {name: where for name, where in read.items() if name not in BY_NAME}
    assert not missing, f"add these to config/variables.py and both tables: {missing}"


def test_the_readme_table_lists_every_variable_once():
    names = table_names(ROOT / "README.md", "## Configuration")
    assert sorted(names) == sorted(BY_NAME), set(names) ^ set(BY_NAME)
    assert len(names) == len(set(names))


def test_the_operations_settings_table_lists_every_variable_once():
    names = table_names(ROOT / "docs" / "operations.md", "## Settings")
    assert sorted(names) == sorted(BY_NAME), set(names) ^ set(BY_NAME)
    assert len(names) == len(set(names))


def test_the_tables_say_what_the_registry_says():
    # Generated from the registry (python -m config.variables): a default or a meaning changed
    # in one place is changed in both documents.
    table = markdown_table()
    for document in (ROOT / "README.md", ROOT / "docs" / "operations.md"):
        assert table in document.read_text(encoding="utf-8"), (
            f"{document.name}: paste the output of 'python -m config.variables'"
        )
