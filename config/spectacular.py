"""Name every enumeration in the OpenAPI schema after its TextChoices class.

Many models have a field called ``kind`` or ``status`` with different choices; left alone,
drf-spectacular names them ``Kind4edEnum`` and warns. Mapping each ``TextChoices`` class in
``casework/*/choices.py`` (and the shared identifier kinds) to its own component name keeps the
schema readable for integrators and keeps ``manage.py check --deploy`` silent. The modules are
found by reading source, so settings import no application code.
"""

from __future__ import annotations

import re
from pathlib import Path

_CHOICES_CLASS = re.compile(r"^class (\w+)\(models\.(?:Text|Integer)Choices\)", re.MULTILINE)


def enum_name_overrides(package_dir: Path) -> dict[str, str]:
    sources = [*sorted(package_dir.glob("*/choices.py")), package_dir / "core" / "identifiers.py"]
    found: dict[str, list[str]] = {}
    for source in sources:
        module = ".".join(source.relative_to(package_dir.parent).with_suffix("").parts)
        for name in _CHOICES_CLASS.findall(source.read_text()):
            found.setdefault(name, []).append(f"{module}.{name}")
    overrides: dict[str, str] = {}
    for name, paths in found.items():
        for path in paths:
            # The same class name in two apps (e.g. Outcome) gets the app's name in front.
            app = path.split(".")[1].title()
            overrides[f"{name}Enum" if len(paths) == 1 else f"{app}{name}Enum"] = path
    return overrides
