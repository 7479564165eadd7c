"""The OpenAPI schema tells the truth: nullability read from the model, every problem response.

Kept apart from ``casework.core.api`` because drf-spectacular imports DRF's generic views, which
import the pagination class defined there.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema

from .api import PROBLEM_CONTENT_TYPE

# Every failure an operation can answer, as problem details. Documented on every operation because
# every one can meet them: the request edge refuses NUL and deep JSON (400), anonymous callers get
# 401, a role or CSRF check 403, a record one may not see 404, a front proxy a too long URL 414.
_PROBLEM_CODES = {
    "400": "The request is not valid; `errors` names each field and what is wrong with it.",
    "401": "Sign-in required: send a session cookie or `Authorization: Token …`.",
    "403": "Signed in, but this action is not allowed for you.",
    "404": "No such record that you can see (records you may not see answer the same).",
    "406": "The Accept header asks for a format the API does not give.",
    "414": "The URL is too long.",
}
# Only where a request body is read.
_WRITE_PROBLEM_CODES = {
    "409": "The request contradicts the current state (a duplicate, a chain that moved on).",
    "415": "Send the body as `application/json`.",
}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "message", "code"],
            },
        },
        "duplicate_of": {"type": "integer", "description": "A 409 duplicate: the original."},
    },
    "required": ["type", "title", "status", "detail"],
}


def schema_problem_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: the problem responses of every operation."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = dict(_PROBLEM_CODES)
            if method != "get":
                codes.update(_WRITE_PROBLEM_CODES)
            responses = operation.setdefault("responses", {})
            for code, description in codes.items():
                existing = responses.get(code)
                if existing is None:
                    responses[code] = {"description": description, "content": content}
                else:
                    existing.setdefault("content", {}).update(content)
    return result


class CaseworkAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus nullability read from the model.

    A field declared by hand (``SlugRelatedField(read_only=True)``, ``CharField(source=
    "released_by.username")``) does not inherit ``null=True`` from the model it reads, so the
    schema promised a value where the API answers ``null``. Any hop of the field's source
    through a nullable column makes the field nullable in responses."""

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and _source_is_nullable(field):
            meta["nullable"] = True
        return meta


def _source_is_nullable(field) -> bool:
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None)
    if model is None or not attrs or getattr(field, "source", "") == "*":
        return False
    for name in attrs:
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False):
            return True
        model = getattr(model_field, "related_model", None)
        if model is None:
            return False
    return False
