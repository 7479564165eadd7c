"""Demo units and users (DESIGN.md, contracts). Synthetic people; one documented password."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from .choices import Role
from .models import Unit, User
from .services import roles_ensure, user_create

DEMO_PASSWORD = "casework-demo-2026"

DEMO_UNITS = (
    ("north", "North Unit", "NORTH", "Europe/London"),
    ("south", "South Unit", "SOUTH", "Europe/Madrid"),
)

# username, first name, last name, unit code, roles
DEMO_USERS = (
    ("inv.north", "Alex", "Northcott", "north", [Role.INVESTIGATOR]),
    ("inv2.north", "Sam", "Norbury", "north", [Role.INVESTIGATOR]),
    ("sup.north", "Morgan", "Northam", "north", [Role.SUPERVISOR]),
    ("inv.south", "Jordan", "Southey", "south", [Role.INVESTIGATOR]),
    ("sup.south", "Riley", "Southgate", "south", [Role.SUPERVISOR]),
    ("auditor", "Casey", "Auditor", None, [Role.AUDITOR]),
    ("admin", "Robin", "Admin", None, [Role.ADMINISTRATOR]),
)

ADMINISTRATOR_MODEL_PERMISSIONS = (
    "accounts.user",
    "accounts.unit",
    "auth.group",
    "authtoken.token",
)


def seed_accounts() -> int:
    """Create what is missing; never reset a password someone may have changed."""
    roles_ensure()
    units = {}
    for code, name, prefix, zone in DEMO_UNITS:
        units[code], _ = Unit.objects.get_or_create(
            code=code, defaults={"name": name, "case_prefix": prefix, "time_zone": zone}
        )
    created = 0
    for username, first, last, unit_code, roles in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user_create(
            username=username,
            password=DEMO_PASSWORD,
            unit=units.get(unit_code),
            roles=list(roles),
            actor=None,
            first_name=first,
            last_name=last,
            email=f"{username}@casework.invalid",
        )
        created += 1
    admin = User.objects.get(username="admin")
    if not admin.is_staff:
        admin.is_staff = True
        admin.save(update_fields=["is_staff"])
    for app_label, model in (label.split(".") for label in ADMINISTRATOR_MODEL_PERMISSIONS):
        admin.user_permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, content_type__model=model)
        )
    return created
