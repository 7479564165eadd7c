"""Query parameters of API lists, declared once as django-filter FilterSets.

Every list's parameters are declared as a FilterSet (its filters become the OpenAPI parameters:
DRF's default filter backend is django-filter's) and validated with the shared ``query_*`` rules
of ``core.api``. The FilterSet does not build the query: its cleaned values go to the app's
permission-aware selector, which knows the indexes and need-to-know. Kept apart from
``core.api`` because DRF's generic views read the pagination class from there when imported.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import django_filters
from rest_framework import generics, serializers

from .api import (
    QUERY_TEXT_LIMIT,
    query_boolean,
    query_choice,
    query_choices,
    query_integer,
    query_text,
)
from .errors import DomainError, FieldError
from .validation import INTEGER, datetime_problem


class TextFilter(django_filters.CharFilter):
    """Free text (a case number, a name): no control characters, at most ``max_length``."""

    def __init__(self, *args, max_length: int = QUERY_TEXT_LIMIT, **kwargs) -> None:
        self.max_length = max_length
        super().__init__(*args, **kwargs)


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """Values from ``choices``, repeated (``?state=a&state=b``) or comma-separated."""

    def __init__(self, *args, choices, **kwargs) -> None:
        self.allowed = [str(value) for value in choices]
        super().__init__(*args, choices=[(value, value) for value in self.allowed], **kwargs)


class ChoiceFilter(django_filters.ChoiceFilter):
    """One value from ``choices``, or ``default`` when absent."""

    def __init__(self, *args, choices, default: str = "", **kwargs) -> None:
        self.allowed, self.default = [str(value) for value in choices], default
        super().__init__(*args, choices=[(value, value) for value in self.allowed], **kwargs)


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number in ``[minimum, maximum]``."""

    def __init__(self, *args, minimum: int = 1, maximum: int = INTEGER[1], **kwargs) -> None:
        self.minimum, self.maximum = minimum, maximum
        super().__init__(*args, **kwargs)


class BooleanFilter(django_filters.BooleanFilter):
    """``true``/``false`` (and 1/0, yes/no, on/off)."""


class WhenFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date and time (a date alone is midnight, in the installation's time zone)."""


class QueryFilterSet(django_filters.FilterSet):
    """Declares a list's query parameters; :meth:`clean` validates them at the edge.

    A parameter that cannot mean anything is a 400 naming it, never ignored: a caller who
    mistypes ``?status=opne`` must not read an unfiltered list as the answer. Values are read with
    the shared ``query_*`` rules so a list says the same thing about the same mistake.
    """

    @classmethod
    def clean(cls, params) -> dict[str, Any]:
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for name, declared in cls.base_filters.items():
            try:
                values[name] = _read(params, name, declared)
            except DomainError as error:
                errors.extend(error.errors)
        if errors:
            raise DomainError(errors=errors)
        return values


def _read(params, name: str, declared) -> Any:
    if isinstance(declared, ChoicesFilter):
        return query_choices(params, name, declared.allowed)
    if isinstance(declared, ChoiceFilter):
        return query_choice(params, name, declared.allowed, default=declared.default)
    if isinstance(declared, WholeNumberFilter):
        return query_integer(params, name, minimum=declared.minimum, maximum=declared.maximum)
    if isinstance(declared, BooleanFilter):
        return query_boolean(params, name)
    if isinstance(declared, WhenFilter):
        return query_when(params, name)
    if isinstance(declared, TextFilter):
        return query_text(params, name, max_length=declared.max_length)
    raise TypeError(f"{name}: declare it with one of core.api's filters, not {declared!r}")


def query_when(params, name: str) -> datetime | None:
    """An ISO 8601 date and time within the shared date range (``None`` when absent), or a 400."""
    value = query_text(params, name)
    if not value:
        return None
    try:
        parsed = serializers.DateTimeField().to_internal_value(value)
    except serializers.ValidationError as error:
        raise DomainError(str(error.detail[0]), field=name) from error
    problem = datetime_problem(parsed)
    if problem:
        raise DomainError(problem, field=name)
    return parsed


class SelectorListView(generics.ListAPIView):
    """A keyset-paginated list of what the user may see.

    Subclasses name a ``filterset_class`` and implement :meth:`select`, which calls the app's
    permission-aware selector with the cleaned parameters. The default filter backend stays
    only so the schema documents the FilterSet's parameters: the selector has already filtered.
    """

    filterset_class: type[QueryFilterSet]

    def select(self, *, user, **filters):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.filterset_class._meta.model._default_manager.none()
        filters = self.filterset_class.clean(self.request.query_params)
        return self.select(user=self.request.user, **filters)

    def filter_queryset(self, queryset):
        return queryset
