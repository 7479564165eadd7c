"""API conventions shared by every app: problem details (RFC 9457), keyset pagination and the
reading of query parameters (the FilterSets built on them are in ``core.filters``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .errors import DomainError
from .validation import INTEGER, integer_problem, text_problem

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

    def get_page_size(self, request):
        # A page size outside 1..max_page_size is refused, not quietly replaced by the default:
        # a client asking for 0 or 10,000 rows should learn that it gets something else.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        return query_integer(
            request.query_params, self.page_size_query_param, minimum=1, maximum=self.max_page_size
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


# --- query-string filters ----------------------------------------------------------------------
# A filter value that cannot mean anything is a 400 naming the parameter, never ignored: a caller
# who mistypes ``?status=opne`` must not read an unfiltered list as the answer.

QUERY_TEXT_LIMIT = 200


def query_text(params, name: str, *, max_length: int = QUERY_TEXT_LIMIT) -> str:
    """The stripped text of query parameter ``name`` ("" when absent), or a 400."""
    value = (params.get(name) or "").strip()
    problem = text_problem(value, max_length=max_length)
    if problem:
        raise DomainError(problem, field=name)
    return value


def query_choice(params, name: str, choices, *, default: str = "") -> str:
    """One of ``choices`` (or ``default`` when absent), or a 400 listing what is allowed."""
    value = query_text(params, name)
    if not value:
        return default
    if value not in choices:
        allowed = ", ".join(choices)
        raise DomainError(f"Unknown {name} {value!r}; use one of: {allowed}.", field=name)
    return value


def query_choices(params, name: str, choices) -> list[str]:
    """Comma-separated or repeated values of ``name``, each one of ``choices``, or a 400."""
    values = [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
    for value in values:
        query_choice({name: value}, name, choices)
    return values


def query_integer(params, name: str, *, minimum: int = 1, maximum: int = INTEGER[1]) -> int | None:
    """A whole number in ``[minimum, maximum]`` (``None`` when absent), or a 400."""
    value = query_text(params, name)
    if not value:
        return None
    if not value.lstrip("-").isdigit() or len(value) > 20:
        raise DomainError("Give a whole number.", field=name)
    problem = integer_problem(int(value), minimum=minimum, maximum=maximum)
    if problem:
        raise DomainError(problem, field=name)
    return int(value)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def query_boolean(params, name: str) -> bool | None:
    """``true``/``false`` (and 1/0, yes/no, on/off); ``None`` when absent; otherwise a 400."""
    value = query_text(params, name).lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise DomainError("Give true or false.", field=name)
