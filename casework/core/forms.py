"""Base classes for every Django form: the shared validators on every field, by its type.

A form that subclasses ``CaseworkForm`` or ``CaseworkModelForm`` cannot forget them:
``tests/core/test_input_edges.py`` fails for any form in ``casework`` that does not.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from . import validation


class _SafeText:
    def __init__(self, *, multiline: bool, max_length: int | None) -> None:
        self.multiline = multiline
        self.max_length = max_length

    def __call__(self, value) -> None:
        if isinstance(value, str):
            problem = validation.text_problem(
                value, multiline=self.multiline, max_length=self.max_length
            )
            if problem:
                raise ValidationError(problem, code="unsafe_text")


def _plausible_datetime(value) -> None:
    problem = validation.datetime_problem(value)
    if problem:
        raise ValidationError(problem, code="implausible_date")


def _plausible_date(value) -> None:
    problem = validation.date_problem(value)
    if problem:
        raise ValidationError(problem, code="implausible_date")


_DJANGO_REQUIRED = forms.Field.default_error_messages["required"]


def _required_message(name: str, field: forms.Field) -> str:
    """ "Enter the title." rather than "This field is required.": the error summary lists the
    messages away from their fields, so each must name what it is about."""
    label = str(field.label or name.replace("_", " ")).strip().rstrip(":")
    if label[:1].isupper() and not label[1:2].isupper():
        label = label[0].lower() + label[1:]
    if isinstance(field, forms.BooleanField):
        return f"Tick {label} to go on."
    verb = "Choose" if isinstance(field, forms.ChoiceField | forms.ModelChoiceField) else "Enter"
    return f"{verb} {label}."


def guard_fields(fields) -> None:
    """Attach the shared validators to each field by its type (idempotent)."""
    for name, field in fields.items():
        if getattr(field, "_casework_guarded", False):
            continue
        field._casework_guarded = True
        if field.error_messages.get("required") == _DJANGO_REQUIRED:
            field.error_messages = {
                **field.error_messages,
                "required": _required_message(name, field),
            }
        if isinstance(field, forms.CharField):
            multiline = isinstance(field.widget, forms.Textarea)
            field.validators.append(_SafeText(multiline=multiline, max_length=field.max_length))
        elif isinstance(field, forms.DateTimeField):
            field.validators.append(_plausible_datetime)
        elif isinstance(field, forms.DateField):
            field.validators.append(_plausible_date)
        elif isinstance(field, forms.IntegerField):
            # Never wider than PostgreSQL's integer; fields narrow it further by what they mean.
            field.validators.append(_bounded(validation.INTEGER))


def _bounded(bounds: tuple[int, int]):
    def check(value) -> None:
        if value is not None:
            problem = validation.integer_problem(value, minimum=bounds[0], maximum=bounds[1])
            if problem:
                raise ValidationError(problem, code="out_of_range")

    return check


class GuardedFieldsMixin:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        guard_fields(self.fields)


class CaseworkForm(GuardedFieldsMixin, forms.Form):
    """A form whose every field carries the shared validators (``casework.core.validation``)."""


class CaseworkModelForm(GuardedFieldsMixin, forms.ModelForm):
    """A model form whose every field carries the shared validators."""
