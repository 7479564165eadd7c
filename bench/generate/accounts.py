"""Units, users and their roles.

Users get an unusable password: the harness signs them in with ``force_login`` and a verified
two-factor device, as the test suite does. Usernames are synthetic (``inv.u01.0001``).
The personas the scenarios act as are the first investigator and supervisor of the first unit,
plus an auditor and an administrator without a unit.
"""

from __future__ import annotations

import time

from django.contrib.auth.models import Group

from casework.accounts.choices import Role
from casework.accounts.models import Unit, User

from ..loader import ModelCopy, next_id, reset_sequence
from .base import Context

NAME = "accounts"
REQUIRES = ("accounts.Unit", "accounts.User")


def load(ctx: Context) -> None:
    scale = ctx.scale
    groups = {role: Group.objects.get_or_create(name=role)[0].pk for role in Role.values}

    started = time.perf_counter()
    first_unit = next_id(Unit)
    units = []
    for n in range(scale.units):
        unit_id = first_unit + n
        code = f"u{unit_id:02d}"
        units.append((unit_id, code, f"Synthetic Unit {unit_id:02d}", f"U{unit_id:02d}"))
        ctx.unit_ids.append(unit_id)
        ctx.unit_prefixes[unit_id] = f"U{unit_id:02d}"
    rows = ModelCopy(Unit, ("id", "code", "name", "case_prefix")).load(units)
    reset_sequence(Unit)
    ctx.record("accounts.Unit", rows, started)

    started = time.perf_counter()
    user_id = next_id(User)
    users: list[tuple] = []
    memberships: list[tuple[int, int]] = []
    joined = ctx.start

    def add(username: str, unit_id: int | None, role: str, *, staff: bool = False) -> int:
        nonlocal user_id
        users.append(
            (
                user_id,
                "!",  # unusable password: sign-in is forced by the harness
                username,
                "Synthetic",
                f"Account {user_id:05d}",
                f"{username}@casework.invalid",
                staff,
                True,
                joined,
                unit_id,
            )
        )
        memberships.append((user_id, groups[role]))
        ctx.usernames[user_id] = username
        user_id += 1
        return user_id - 1

    for unit_id in ctx.unit_ids:
        code = f"u{unit_id:02d}"
        ctx.investigators[unit_id] = [
            add(f"inv.{code}.{n:04d}", unit_id, Role.INVESTIGATOR)
            for n in range(1, scale.investigators_per_unit + 1)
        ]
        ctx.supervisors[unit_id] = [
            add(f"sup.{code}.{n}", unit_id, Role.SUPERVISOR)
            for n in range(1, scale.supervisors_per_unit + 1)
        ]
    suffix = f"{ctx.unit_ids[0]:02d}"
    ctx.personas = {
        "investigator": ctx.investigators[ctx.unit_ids[0]][0],
        "supervisor": ctx.supervisors[ctx.unit_ids[0]][0],
        "auditor": add(f"auditor.bench{suffix}", None, Role.AUDITOR),
        "administrator": add(f"admin.bench{suffix}", None, Role.ADMINISTRATOR, staff=True),
    }
    columns = (
        "id",
        "password",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "unit_id",
    )
    rows = ModelCopy(User, columns, overrides={"is_superuser": False}).load(users)
    reset_sequence(User)
    ctx.record("accounts.User", rows, started)

    started = time.perf_counter()
    through = User.groups.through
    first = next_id(through)
    rows = ModelCopy(through, ("id", "user_id", "group_id")).load(
        (first + n, uid, gid) for n, (uid, gid) in enumerate(memberships)
    )
    reset_sequence(through)
    ctx.record("accounts.User.groups", rows, started)
