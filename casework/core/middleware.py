"""Request-wide middleware: request context, the refusal of every file upload, and of text no
field may hold.

Threat: media must never enter Casework (DESIGN.md, the hard boundary). Refusing multipart and
other upload content types before any view runs means no form, API route or admin page can
accept a file by accident, whatever its parser.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from . import context
from .validation import postgres_refuses

REFUSED_CONTENT_TYPES = (
    "multipart/",
    "application/octet-stream",
    "image/",
    "video/",
    "audio/",
    "application/zip",
)


class RequestContextMiddleware:
    """Give every request an id (echoed as ``X-Request-ID``) and bind IP and user agent."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.new_request_id()
        request.request_id = request_id
        bound = context.RequestContext(
            request_id=request_id,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
        )
        with context.bind(bound):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class RefuseFileUploadsMiddleware:
    """Answer 415 to any request that carries a file, on every route."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        content_type = request.META.get("CONTENT_TYPE", "").lower()
        if request.method not in ("GET", "HEAD", "OPTIONS") and content_type.startswith(
            REFUSED_CONTENT_TYPES
        ):
            return JsonResponse(
                {
                    "type": "https://casework.invalid/problems/unsupported-media-type",
                    "title": "File uploads are not accepted",
                    "status": 415,
                    "detail": (
                        "Casework holds metadata only: media stays in the accredited evidence "
                        "store. Send JSON or a plain form instead."
                    ),
                },
                status=415,
                content_type="application/problem+json",
            )
        return self.get_response(request)


_UNREADABLE = "a character Casework cannot read or store (a NUL or a broken character)"


def _strings(value):
    """Every string in a parsed JSON document, keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _query_strings(query: QueryDict):
    for key, values in query.lists():
        yield key
        yield from values


class RefuseUnstorableTextMiddleware:
    """Answer 400 to a request whose address, query or body holds a NUL or a lone surrogate.

    PostgreSQL refuses both in text, and no field of Casework may hold them, so no view,
    filter or API route sees them: the class of "NUL reaches the database and answers 500" is
    closed here once, not per field. A JSON body nested too deeply to parse is refused too. Other
    control characters are the fields' business (``casework.core.validation``): some fields
    allow line breaks and tabs.
    """

    # A JSON body is walked only when it is small enough to be a form or an API call; larger
    # ones are parsed by DRF, whose strings the serializers' validators check.
    JSON_WALK_LIMIT = 1_048_576

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self._problem(request)
        if problem:
            return self._refuse(request, problem)
        return self.get_response(request)

    def _problem(self, request: HttpRequest) -> str:
        if postgres_refuses(request.path):
            return f"The address holds {_UNREADABLE}."
        if any(postgres_refuses(text) for text in _query_strings(request.GET)):
            return f"The search or filter holds {_UNREADABLE}."
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return ""
        content_type = request.META.get("CONTENT_TYPE", "").lower()
        if content_type.startswith("application/x-www-form-urlencoded"):
            if any(postgres_refuses(text) for text in _query_strings(request.POST)):
                return f"The form holds {_UNREADABLE}."
        elif "json" in content_type:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if 0 < length <= self.JSON_WALK_LIMIT:
                try:
                    document = json.loads(request.body)
                except RecursionError:
                    return "The JSON document is nested too deeply."
                except (ValueError, UnicodeDecodeError):
                    return ""  # DRF answers malformed JSON with its own located message.
                if any(postgres_refuses(text) for text in _strings(document)):
                    return f"The request holds {_UNREADABLE}."
        return ""

    @staticmethod
    def _refuse(request: HttpRequest, detail: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "type": "https://casework.invalid/problems/unstorable-text",
                    "title": "The request is not valid",
                    "status": 400,
                    "detail": detail,
                },
                status=400,
                content_type="application/problem+json",
            )
        return render(request, "400.html", {"detail": detail}, status=400)


# What a page may load: only this site's own files. No inline script or style anywhere (the
# templates carry none; htmx is told not to inject its indicator style), so an injected
# <script> or style attribute in case data does nothing.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every response, and ``Cache-Control: no-store`` on every
    response but static files.

    Threat: case data left behind in a shared browser's or a proxy's cache (a page, an export,
    an API answer, a calendar feed reached by its token), and script injected through text
    someone typed. Static files are the same for everyone and stay cacheable, and so does a
    response a view marks ``cacheable_without_content = True`` after setting its own
    Cache-Control (the audit log's hash tiles: hashes only, immutable, fetched by machines).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if not request.path.startswith(settings.STATIC_URL) and not getattr(
            response, "cacheable_without_content", False
        ):
            add_never_cache_headers(response)
        return response
