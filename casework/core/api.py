"""API conventions shared by every app: problem details (RFC 9457) and keyset pagination."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .errors import DomainError

PROBLEM_BASE = "https://casework.invalid/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: "The request is not valid",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict with the current state",
    415: "Unsupported media type",
    429: "Too many requests",
}


def _flatten(detail, prefix: str = "") -> list[dict]:
    """Turn DRF's nested error dict into a flat list of {field, message, code}."""
    errors: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = (
                prefix
                if key in ("non_field_errors", "detail")
                else (f"{prefix}.{key}" if prefix else str(key))
            )
            errors.extend(_flatten(value, name))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            errors.extend(_flatten(value, f"{prefix}[{index}]" if nested else prefix))
    else:
        errors.append(
            {
                "field": prefix or None,
                "message": str(detail),
                "code": getattr(detail, "code", "invalid"),
            }
        )
    return errors


def problem(status_code: int, detail: str, *, errors: list[dict] | None = None, slug: str = ""):
    body = {
        "type": PROBLEM_BASE + (slug or str(status_code)),
        "title": _TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def problem_details_exception_handler(exc, context):
    """DRF exception handler answering every error as ``application/problem+json``."""
    if isinstance(exc, DomainError):
        errors = [{"field": e.field, "message": e.message, "code": e.code} for e in exc.errors]
        return problem(exc.status, exc.message, errors=errors, slug=errors[0]["code"])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
        )
        result = problem(status.HTTP_400_BAD_REQUEST, detail, errors=errors, slug="validation")
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        result = problem(response.status_code, str(detail), slug=getattr(detail, "code", ""))
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result


class CreatedCursorPagination(CursorPagination):
    """Keyset pagination: stable and fast however deep the reader pages."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500
