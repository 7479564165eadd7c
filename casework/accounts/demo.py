"""Demo units and users (DESIGN.md, contracts). Synthetic people; one documented password."""

from __future__ import annotations

from .choices import Role
from .models import Unit, User
from .services import roles_ensure, unit_ensure, user_create, user_grant_role

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


def seed_accounts() -> int:
    """Create what is missing; never reset a password someone may have changed."""
    roles_ensure()
    units = {}
    for code, name, prefix, zone in DEMO_UNITS:
        # A demo unit someone renamed in the administration is theirs to keep.
        if not Unit.objects.filter(code=code).exists():
            unit_ensure(code=code, name=name, case_prefix=prefix, time_zone=zone, actor=None)
        units[code] = Unit.objects.get(code=code)
    created = 0
    for username, first, last, unit_code, roles in DEMO_USERS:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            # Installations seeded before roles carried their permissions: the role's group
            # now holds them, and the role still opens the administration.
            for role in roles:
                user_grant_role(user=existing, role=role, actor=None)
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
    return created
