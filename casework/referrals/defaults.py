"""The incident types Casework ships: the eight types industry reports commonly use.

Neutral category names; administrators rename, reorder, add and retire types in the admin.
"""

from __future__ import annotations

DEFAULT_INCIDENT_TYPES = (
    ("abuse-material", "Child sexual abuse material (possession, production, distribution)"),
    ("trafficking", "Child sex trafficking"),
    ("travelling-offender", "Travelling child sex offender"),
    ("contact-offence", "Contact offence against a child"),
    ("misleading-domain", "Misleading domain name"),
    ("misleading-content", "Misleading words or digital images online"),
    ("online-enticement", "Online enticement of a child"),
    ("unsolicited-material", "Unsolicited obscene material sent to a child"),
)


def install_default_incident_types(model, *, only_if_empty: bool) -> int:
    """Create the defaults (by code); with ``only_if_empty`` only into an empty table, so an
    administrator's changes are never undone."""
    if only_if_empty and model.objects.exists():
        return 0
    made = 0
    for position, (code, name) in enumerate(DEFAULT_INCIDENT_TYPES, start=1):
        _, created = model.objects.get_or_create(
            code=code, defaults={"name": name, "position": position * 10}
        )
        made += created
    return made
