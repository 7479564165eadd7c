"""Who is acting, from where, in which request: carried to services, audit and logs.

Set by ``RequestContextMiddleware`` for web and API requests and by ``acting_as()`` for commands
and tasks, so an audit event written deep in a service knows its request id, IP and user agent
without every call passing them along.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None = None
    user_agent: str = ""
    reason: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("casework_request", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> RequestContext:
    """The context of the running request, or a fresh one for work outside a request."""
    context = _current.get()
    if context is None:
        context = RequestContext(request_id=new_request_id())
        _current.set(context)
    return context


@contextlib.contextmanager
def bind(context: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


@contextlib.contextmanager
def with_reason(reason: str) -> Iterator[RequestContext]:
    """Attach the user's stated reason (break-the-glass, a correction) to what follows."""
    with bind(replace(current(), reason=reason)) as context:
        yield context


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        record.request_id = context.request_id if context else "-"
        return True
