"""The ledger is the ground: the audit app imports nothing of Casework but ``casework.core``.

Every other app may write to the ledger (``audit_record``) and read it; the ledger knows none of
them, so it can be reasoned about, verified and shipped (``verify.py``) on its own. Imports
anywhere in a module count (inside a function too), and so does ``import_module``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import casework.audit

ALLOWED = ("casework.audit", "casework.core")
AUDIT = Path(casework.audit.__file__).parent


def _casework_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
        ):
            found.append("import_module(...)")
    return [name for name in found if name.startswith("casework") or name.endswith("(...)")]


def test_the_audit_app_imports_only_core_and_itself():
    wrong = {
        f"{path.relative_to(AUDIT)}: {name}"
        for path in sorted(AUDIT.rglob("*.py"))
        for name in _casework_imports(path)
        if not (name == "casework" or name.startswith(tuple(f"{a}." for a in ALLOWED)))
        and name not in ALLOWED
    }
    assert wrong == set()


def test_the_audit_app_ships_no_templates_or_template_tags():
    """Pages need the people and cases the ledger does not know: they are oversight's."""
    assert [*AUDIT.glob("templates/**/*.html"), *AUDIT.glob("templatetags/*.py")] == []
