"""Base classes for every API serializer: the shared validators on every field, by its type.

DRF builds a ``ModelSerializer``'s fields per instance, so the validators are attached in
``get_fields``; nested serializers and list children are reached through their own base class.
``tests/core/test_input_edges.py`` fails for any serializer in ``casework`` that does not use one.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from rest_framework import serializers

from . import validation

# Text longer than this is free text (notes, summaries, reasons) and may span lines.
SINGLE_LINE_LIMIT = 500


def _text_validator(*, multiline: bool, max_length: int | None):
    def check(value) -> None:
        if isinstance(value, str):
            problem = validation.text_problem(value, multiline=multiline, max_length=max_length)
            if problem:
                raise serializers.ValidationError(problem, code="unsafe_text")

    return check


def _plausible_datetime(value) -> None:
    problem = validation.datetime_problem(value)
    if problem:
        raise serializers.ValidationError(problem, code="implausible_date")


def _plausible_date(value) -> None:
    problem = validation.date_problem(value)
    if problem:
        raise serializers.ValidationError(problem, code="implausible_date")


def _guard(field) -> None:
    if getattr(field, "_casework_guarded", False) or field.read_only:
        return
    field._casework_guarded = True
    if isinstance(field, serializers.ListField | serializers.DictField):
        _guard(field.child)
    elif isinstance(field, serializers.CharField):
        multiline = (
            field.style.get("base_template") == "textarea.html"
            or field.max_length is None
            or field.max_length > SINGLE_LINE_LIMIT
        )
        field.validators.append(_text_validator(multiline=multiline, max_length=field.max_length))
    elif isinstance(field, serializers.DateTimeField):
        # DRF's own words when the offset pushes a time past year 1 or 9999.
        field.error_messages["overflow"] = "Give a date from 1970-01-01 to ten years ahead."
        field.validators.append(_plausible_datetime)
    elif isinstance(field, serializers.DateField):
        field.validators.append(_plausible_date)
    elif isinstance(field, serializers.IntegerField):
        # Never wider than PostgreSQL's integer; fields narrow it further by what they mean. The
        # bounds also reach the OpenAPI schema (minimum/maximum).
        low, high = validation.INTEGER
        if field.max_value is None:
            field.max_value = high
            field.validators.append(MaxValueValidator(high))
        if field.min_value is None:
            field.min_value = low
            field.validators.append(MinValueValidator(low))


class GuardedFieldsMixin:
    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            _guard(field)
        return fields


class CaseworkSerializer(GuardedFieldsMixin, serializers.Serializer):
    """A serializer whose every writable field carries the shared validators."""


class CaseworkModelSerializer(GuardedFieldsMixin, serializers.ModelSerializer):
    """A model serializer whose every writable field carries the shared validators."""


class StartedClockSerializer(CaseworkSerializer):
    """A clock an action started on its own (a preservation request sent, an exhibit recorded),
    or the open one of the same kind it adopted instead of starting a second. Apps that start
    clocks return these beside the record, so the caller learns what now runs and when it falls
    due without a second request."""

    kind = serializers.CharField(read_only=True, help_text="The deadline's kind.")
    label = serializers.CharField(read_only=True, help_text="The kind in words.")
    reference = serializers.UUIDField(read_only=True, help_text="The deadline's reference.")
    url = serializers.CharField(read_only=True, help_text="The deadline in the API.")
    due_at = serializers.DateTimeField(read_only=True)
    time_zone = serializers.CharField(read_only=True, help_text="The zone the clock runs in.")
    adopted = serializers.BooleanField(
        read_only=True,
        help_text="True when an open clock of this kind already ran for the record (started "
        "by hand): it now belongs to this record and keeps its due time; none was started.",
    )
    message = serializers.CharField(
        source="sentence", read_only=True, help_text="What the web confirmation says."
    )
