"""Request-wide middleware: request context, and the refusal of every file upload.

Threat: media must never enter Casework (DESIGN.md, the hard boundary). Refusing multipart and
other upload content types before any view runs means no form, API route or admin page can
accept a file by accident, whatever its parser.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from . import context

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
