"""Domain events: typed, published by a service, heard in its transaction; none unheard."""

from __future__ import annotations

import ast
from dataclasses import FrozenInstanceError, dataclass, field
from pathlib import Path

import pytest
from django.db import transaction

from casework.core import events
from casework.core.errors import DomainError
from casework.core.models import Heartbeat
from casework.core.services import heartbeat_record

SOURCE = Path(events.__file__).resolve().parents[1]


@dataclass(frozen=True, kw_only=True)
class Happened(events.Event):
    """A test's own event, so no application handler runs."""

    value: object = None
    replies: list = field(default_factory=list)


@pytest.fixture
def subscribed():
    added: list[tuple[type, object]] = []

    def subscribe(kind, handler):
        events.subscribe(kind)(handler)
        added.append((kind, handler))

    yield subscribe
    for kind, handler in added:
        events._subscribers[kind].remove(handler)


def test_subscribers_receive_the_event_and_may_reply_on_it(subscribed):
    received = []
    subscribed(Happened, received.append)
    subscribed(Happened, lambda event: event.replies.append("clock started"))

    happened = events.publish(Happened(value=42, actor="someone"))

    assert received == [happened] and happened.value == 42
    assert happened.replies == ["clock started"]


def test_an_event_cannot_be_changed_by_a_handler():
    event = Happened(value=1)
    with pytest.raises(FrozenInstanceError):
        event.value = 2


def test_only_event_classes_can_be_subscribed_to():
    with pytest.raises(TypeError, match="event classes"):
        events.subscribe("referral.received")


@pytest.mark.django_db
def test_a_refusing_subscriber_rolls_back_the_publishers_write(subscribed):
    def refuse(event):
        raise DomainError("A subscriber refused.")

    subscribed(Happened, refuse)
    with pytest.raises(DomainError), transaction.atomic():
        heartbeat_record(component="worker")
        events.publish(Happened())
    assert not Heartbeat.objects.exists()


def published_in_source() -> dict[str, list[str]]:
    """Event class name -> the modules whose code publishes it (``events.publish(events.X(``)."""
    found: dict[str, list[str]] = {}
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "publish"
                and node.args
                and isinstance(node.args[0], ast.Call)
                and isinstance(node.args[0].func, ast.Attribute)
            ):
                found.setdefault(node.args[0].func.attr, []).append(str(path.relative_to(SOURCE)))
    return found


def test_every_event_is_published_and_heard_and_nothing_else_is():
    published = published_in_source()
    kinds = {kind.__name__: kind for kind in events.event_kinds()}

    assert set(published) - set(kinds) == set(), "published but not declared in core/events.py"
    unpublished = sorted(set(kinds) - set(published))
    assert unpublished == [], f"declared but published by no service: {unpublished}"
    unheard = sorted(name for name, kind in kinds.items() if not events.subscribers(kind))
    assert unheard == [], f"published but heard by no app: {unheard}"
    heard_undeclared = set(events._subscribers) - set(kinds.values())
    assert {kind for kind in heard_undeclared if events._subscribers[kind]} == set()


def test_handlers_live_in_the_subscribing_apps_handlers_module():
    # One place per app to read what it does on others' changes.
    for kind in events.event_kinds():
        for handler in events.subscribers(kind):
            assert handler.__module__.endswith(".handlers"), (kind.__name__, handler.__module__)


def layer_of() -> dict[str, int]:
    """App -> its layer in the import contract (0 = core, the bottom)."""
    import tomllib

    contract = tomllib.loads((SOURCE.parent / "pyproject.toml").read_text())
    layers = contract["tool"]["importlinter"]["contracts"][0]["layers"]
    ranks: dict[str, int] = {}
    for rank, line in enumerate(reversed(layers)):
        for module in line.split("|"):
            ranks[module.strip().removeprefix("casework.")] = rank
    return ranks


def test_events_go_up_the_layers():
    # A higher app that needs a lower one to act calls its service; an event is how a lower
    # app reaches a higher one it may not import (docs/adr/0005).
    ranks = layer_of()
    published = published_in_source()
    for kind in events.event_kinds():
        publishers = {path.split("/")[0] for path in published[kind.__name__]}
        for handler in events.subscribers(kind):
            heard_in = handler.__module__.split(".")[1]
            for publisher in publishers:
                assert ranks[heard_in] > ranks[publisher], (kind.__name__, publisher, heard_in)
