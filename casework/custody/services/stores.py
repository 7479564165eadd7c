"""Evidence stores: the accredited stores whose items Casework references (administrators)."""

from __future__ import annotations

import re

# The standard library's own parser of regular expressions (private, but stable since 3.11);
# anything it meets that ``identifier_example`` does not know gives no example.
from re import _parser as regex_parser

from django.db import transaction

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.errors import DomainError

from ..models import EvidenceStore


def _require_administrator(actor: User) -> None:
    if not actor.is_active or not actor.has_role(Role.ADMINISTRATOR):
        raise DomainError("Only administrators configure evidence stores.", status=403)


def validate_identifier_pattern(pattern: str) -> str:
    """An anchored, compilable regular expression (``^…$``), or DomainError."""
    pattern = pattern.strip()
    if not pattern:
        raise DomainError("Give the pattern the store's identifiers follow.", field="pattern")
    if not (pattern.startswith(("^", r"\A")) and pattern.endswith(("$", r"\Z"))):
        raise DomainError(
            "Anchor the pattern with ^ at the start and $ at the end, so it describes the whole "
            "identifier.",
            field="identifier_pattern",
        )
    try:
        re.compile(pattern)
    except re.error as error:
        raise DomainError(
            f"This is not a valid regular expression: {error}.", field="identifier_pattern"
        ) from error
    return pattern


@transaction.atomic
def store_create(
    *, actor: User, name: str, identifier_pattern: str, metadata_api_url: str = ""
) -> EvidenceStore:
    """Register an accredited evidence store (administrators)."""
    _require_administrator(actor)
    name = name.strip()
    if not name:
        raise DomainError("Name the evidence store.", field="name")
    pattern = validate_identifier_pattern(identifier_pattern)
    if EvidenceStore.objects.filter(name__iexact=name).exists():
        raise DomainError(f"An evidence store named {name!r} exists already.", field="name")
    store = EvidenceStore.objects.create(
        name=name, identifier_pattern=pattern, metadata_api_url=metadata_api_url.strip()
    )
    audit_record(
        actor=actor,
        action="evidence_store.create",
        target=store,
        changes={"name": [None, name], "identifier_pattern": [None, pattern]},
    )
    return store


@transaction.atomic
def store_update(
    *,
    actor: User,
    store: EvidenceStore,
    identifier_pattern: str | None = None,
    metadata_api_url: str | None = None,
    is_active: bool | None = None,
) -> EvidenceStore:
    """Change a store's pattern, API address or availability. Existing items keep their id."""
    _require_administrator(actor)
    changes: dict[str, list] = {}
    if identifier_pattern is not None:
        pattern = validate_identifier_pattern(identifier_pattern)
        if pattern != store.identifier_pattern:
            changes["identifier_pattern"] = [store.identifier_pattern, pattern]
            store.identifier_pattern = pattern
    if metadata_api_url is not None and metadata_api_url.strip() != store.metadata_api_url:
        changes["metadata_api_url"] = [store.metadata_api_url, metadata_api_url.strip()]
        store.metadata_api_url = metadata_api_url.strip()
    if is_active is not None and is_active != store.is_active:
        changes["is_active"] = [store.is_active, is_active]
        store.is_active = is_active
    if changes:
        store.save()
        audit_record(actor=actor, action="evidence_store.update", target=store, changes=changes)
    return store


def identifier_example(pattern: str) -> str | None:
    """A made-up identifier that fits the store's pattern (``^DEMS-\\d{4}-\\d{6}$`` gives
    DEMS-1234-123456), to show people instead of the regular expression; None when the
    pattern is beyond this simple walk."""
    try:
        example = _count_up_digits(_walk(regex_parser.parse(pattern)))
    except (ValueError, TypeError, IndexError, re.error):
        return None
    return example if re.fullmatch(pattern, example) else None


def _walk(items) -> str:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "ANY":
            out.append("X")
        elif name == "IN":
            out.append(_one_of(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, inner = arg
            out.append("".join(_walk(inner) for _ in range(max(low, 1))))
        elif name == "SUBPATTERN":
            out.append(_walk(arg[-1]))
        elif name == "BRANCH":
            out.append(_walk(arg[1][0]))
        elif name == "AT":
            continue
        else:
            raise ValueError(name)
    return "".join(out)


def _count_up_digits(example: str) -> str:
    """Digits count up (DEMS-1234-123456) so the example reads as an example."""
    digits = iter("1234567890" * 40)
    shaped = []
    for index, char in enumerate(example):
        if char == "0" and (index == 0 or not example[index - 1].isdigit()):
            digits = iter("1234567890" * 40)
        shaped.append(next(digits) if char == "0" else char)
    return "".join(shaped)


def _one_of(arg) -> str:
    """A character a character class accepts ("0" for digits, counted up by the caller)."""
    kind, value = arg[0]
    if str(kind) == "NEGATE":
        raise ValueError("negated class")
    if str(kind) == "LITERAL":
        return chr(value)
    if str(kind) == "RANGE":
        low, high = value
        return "0" if chr(low) <= "0" <= chr(high) else chr(low)
    if str(kind) == "CATEGORY":
        return {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "A", "CATEGORY_SPACE": " "}[str(value)]
    raise ValueError(str(kind))
