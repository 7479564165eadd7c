"""The four roles and the Django permissions each role's group carries.

The one definition of roles: ``manage.py bootstrap`` (production) and ``seed_demo`` (demos) both
apply it through ``services.roles_ensure``. Need-to-know on case records does not come from these
permissions (selectors decide by role, unit and assignment); they only open the parts of the
Django administration a role keeps: administrators manage accounts, units, API tokens and the
incident types referrals are filed under. Deadline rules open to administrators by role
(``casework/deadlines/admin.py``).
"""

from __future__ import annotations

from .choices import Role

EVERY_ACTION = ("add", "change", "delete", "view")

# role -> ((app label, model, actions), ...)
ROLE_PERMISSIONS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    Role.INVESTIGATOR: (),
    Role.SUPERVISOR: (),
    Role.AUDITOR: (),
    Role.ADMINISTRATOR: (
        ("accounts", "user", EVERY_ACTION),
        ("accounts", "unit", EVERY_ACTION),
        ("auth", "group", EVERY_ACTION),
        ("authtoken", "token", EVERY_ACTION),
        # Incident types are retired, never deleted: referrals point at them.
        ("referrals", "incidenttype", ("add", "change", "view")),
    ),
}

# Roles that use the Django administration (``is_staff``).
STAFF_ROLES = frozenset({Role.ADMINISTRATOR})
