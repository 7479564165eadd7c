"""What is still open on a case, gathered before it may close.

A case closed with a court date still running, a hash mismatch unexplained or an exhibit still
in someone's hands is a case closed on a false premise; and a closure that quietly waives the
court date loses the one clock that cannot move. So closing asks for every open item to be
resolved first or carried explicitly, with a reason, and the supervisor deciding sees the same
list (recomputed at the moment of decision).

The other apps sit above cases (deadlines, partners, custody), so cases cannot import them. Each
lists its own open items: its ``AppConfig`` sets ``case_open_items`` to a function
``(*, case) -> list[OpenItem]`` in ``ready()``, as ``case_links`` lists its pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from .models import Case, CaseTask

#: Groups in the order a closing investigator must face them: court dates first.
ORDER = ("court_date", "deadline", "checklist", "task", "request", "handover", "item", "hash")
GROUP_LABELS = {
    "court_date": "Court dates",
    "deadline": "Open deadlines",
    "checklist": "Open checklist items",
    "task": "Open tasks",
    "request": "Open partner requests",
    "handover": "Hand-overs not acknowledged",
    "item": "Exhibits neither returned nor disposed",
    "hash": "Hash mismatches",
}


@dataclass(frozen=True)
class OpenItem:
    """One thing still open on a case. ``key`` is stable (``deadline:12``) so a carry reason
    given at the request can be matched at approval."""

    key: str
    group: str
    label: str
    url: str = ""
    due_at: datetime | None = None
    overdue: bool = False
    # False for what exists only because the case is open (its periodic review clock): closing
    # ends it, so it is listed, marked as ending with the case, and asks for nothing.
    blocking: bool = True

    @property
    def text(self) -> str:
        """The label with its due time in the current zone (on a page, the reader's), for
        messages and field labels; templates show ``label`` beside ``{% when due_at %}``."""
        if self.due_at is None:
            return self.label
        return f"{self.label}, due {timezone.localtime(self.due_at):%d %b %Y %H:%M %Z}"

    @property
    def group_label(self) -> str:
        return GROUP_LABELS.get(self.group, self.group)

    @property
    def is_court_date(self) -> bool:
        return self.group == "court_date"


def _tasks(case: Case) -> list[OpenItem]:
    url = reverse("cases:tasks", args=[case.number])
    return [
        OpenItem(key=f"task:{pk}", group="task", label=f"Task “{title}”", url=url, due_at=due)
        for pk, title, due in CaseTask.objects.filter(case=case, done_at__isnull=True)
        .order_by("due_at", "id")
        .values_list("pk", "title", "due_at")
    ]


def case_open_items(*, case: Case) -> list[OpenItem]:
    """Everything open on ``case``, court dates first, then by group and due time."""
    items = _tasks(case)
    for config in apps.get_app_configs():
        provider = getattr(config, "case_open_items", None)
        if provider is not None:
            items.extend(provider(case=case))
    rank = {group: index for index, group in enumerate(ORDER)}
    far = datetime.max.replace(tzinfo=None)
    return sorted(
        items,
        key=lambda item: (
            rank.get(item.group, len(ORDER)),
            item.due_at.replace(tzinfo=None) if item.due_at else far,
            item.key,
        ),
    )


def carried_for_display(carried: list[dict]) -> list[dict]:
    """A closure request's carried items with their due times as datetimes, so the page shows
    them in the reader's zone (entries stored before due times were kept have none)."""
    shown = []
    for entry in carried or []:
        due = entry.get("due_at")
        shown.append({**entry, "due_at": datetime.fromisoformat(due) if due else None})
    return shown


def carried_keys(carried: list[dict]) -> set[str]:
    return {entry["key"] for entry in carried or [] if entry.get("key")}
