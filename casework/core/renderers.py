"""The one way forms are drawn: USWDS markup, an error summary at the top of each form.

Every ``{{ form }}``, ``{{ form.as_div }}`` and ``{{ field.as_field_group }}`` goes through the
templates named here and the overrides in ``casework/templates/django/forms/``, so a new form is
styled and announces its errors without its template doing anything.

The commonest of those templates (a form without errors, a field group, and the input, select,
textarea and checkbox widgets) are also written out here in Python, markup byte for byte the
same: the template engine resolved each field through some forty nodes, and the six forms a
case page offers cost it about 17 ms of Python a view at national scale (issue 26), more than
any query. The templates stay the reference: anything not drawn here (a form with errors, a
widget or field with a template of its own) goes through them, and
``tests/core/test_form_rendering.py`` renders every form of Casework both ways and fails on any
difference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timezone import template_localtime


class CaseworkFormRenderer(TemplatesSetting):
    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"

    def render(self, template_name, context, request=None):
        draw = DRAWN_IN_PYTHON.get(template_name)
        if draw is not None:
            drawn = draw(context)
            if drawn is not None:
                return drawn.strip()  # as Django's renderers strip a template's output
        return super().render(template_name, context, request)


class TemplateOnlyRenderer(CaseworkFormRenderer):
    """Every template through the template engine: the reference the Python drawing is
    compared with (tests), and the way back should a drawing ever be in doubt."""

    def render(self, template_name, context, request=None):
        return TemplatesSetting.render(self, template_name, context, request)


def _text(value: Any) -> str:
    """``{{ value }}`` with autoescaping, as the template engine prints it."""
    value = localize(template_localtime(value))
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def _as_string(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return _text(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    drawn = []
    for name, value in attrs.items():
        if value is not False:
            drawn.append(f" {_text(name)}")
            if value is not True:
                drawn.append(f'="{_as_string(value)}"')
    return "".join(drawn)


def _value(widget: Mapping[str, Any]) -> str:
    if widget["value"] != None:  # noqa: E711 - the template's `!= None`, kept exactly
        return f' value="{_as_string(widget["value"])}"'
    return ""


def _styled(widget: Mapping[str, Any], css: str) -> str:
    """The USWDS class our widget templates add unless the widget brings a class of its own."""
    return "" if widget["attrs"].get("class") else f' class="{css}"'


def _input_tag(widget: Mapping[str, Any], styled: str) -> str:
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{_value(widget)}'
        f"{styled}{_attrs(widget['attrs'])}>"
    )


def _input(context: Mapping[str, Any]) -> str:
    """``django/forms/widgets/input.html`` (ours)."""
    widget = context["widget"]
    plain = widget["type"] in ("checkbox", "radio", "hidden")
    return _input_tag(widget, "" if plain else _styled(widget, "usa-input"))


def _checkbox(context: Mapping[str, Any]) -> str:
    """``django/forms/widgets/checkbox.html`` (ours)."""
    widget = context["widget"]
    return _input_tag(widget, _styled(widget, "usa-checkbox__input"))


def _textarea(context: Mapping[str, Any]) -> str:
    """``django/forms/widgets/textarea.html`` (ours)."""
    widget = context["widget"]
    value = _text(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{_text(widget["name"])}"{_styled(widget, "usa-textarea")}'
        f"{_attrs(widget['attrs'])}>\n{value}</textarea>"
    )


def _select(context: Mapping[str, Any]) -> str:
    """``django/forms/widgets/select.html`` (ours)."""
    widget = context["widget"]
    styled = _styled(widget, "usa-select")
    drawn = [f'<select name="{_text(widget["name"])}"{styled}{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            drawn.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            drawn.append(
                f'\n  <option value="{_as_string(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>"
            )
        if group_name:
            drawn.append("\n  </optgroup>")
    drawn.append("\n</select>")
    return "".join(drawn)


def _error_spans(field) -> str:
    spans = []
    for error in field.errors:
        marked = f' id="{_text(field.auto_id)}_error"' if field.auto_id and not spans else ""
        spans.append(f'<span class="usa-error-message"{marked}>{_text(error)}</span>')
    return "".join(spans)


def _help_id(field) -> str:
    return f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""


def _field_group(context: Mapping[str, Any]) -> str:
    """``core/forms/field.html``."""
    field = context["field"]
    errors = field.errors
    label = field.label
    help_text = field.help_text
    drawn = [
        f'<div class="usa-form-group{" usa-form-group--error" if errors else ""}" '
        f'data-field="{_text(field.name)}">\n'
    ]
    if field.widget_type == "checkbox":
        description = (
            f'<span class="usa-checkbox__label-description"{_help_id(field)}>'
            f"{_text(mark_safe(help_text))}</span>"
            if help_text
            else ""
        )
        drawn.append(
            f'\n{_error_spans(field)}\n<div class="usa-checkbox">\n  {_text(field)}\n'
            f'  <label class="usa-checkbox__label" for="{_text(field.id_for_label)}">'
            f"{_text(label)}{description}</label>\n</div>\n"
        )
    else:
        drawn.append("\n")
        fieldset = field.use_fieldset
        if fieldset:
            described = field.aria_describedby
            described = f' aria-describedby="{_text(described)}"' if described else ""
            legend = f'<legend class="usa-legend">{_text(label)}</legend>' if label else ""
            drawn.append(f'\n  <fieldset class="usa-fieldset"{described}>\n  {legend}\n')
        elif label:
            drawn.append(
                f'\n  <label class="usa-label{" usa-label--error" if errors else ""}" '
                f'for="{_text(field.id_for_label)}">{_text(label)}</label>\n'
            )
        hint = (
            f'<div class="usa-hint"{_help_id(field)}>{_text(mark_safe(help_text))}</div>'
            if help_text
            else ""
        )
        drawn.append(
            f"\n{hint}\n{_error_spans(field)}\n{_text(field)}\n"
            f"{'</fieldset>' if fieldset else ''}\n"
        )
    drawn.append("\n</div>")
    return "".join(drawn)


def _form(context: Mapping[str, Any]) -> str | None:
    """``core/forms/form.html`` for a form without errors; one with errors (its summary at the
    top) goes through the template."""
    if context["form"].errors:
        return None
    fields = "".join(str(field.as_field_group()) for field, _errors in context["fields"])
    hidden = "".join(_text(field) for field in context["hidden_fields"])
    return f"{fields}\n{hidden}"


def _safe(draw: Callable[[Mapping[str, Any]], str | None]):
    def drawn(context: Mapping[str, Any]) -> SafeString | None:
        text = draw(context)
        return None if text is None else mark_safe(text)  # every value escaped above

    return drawn


_INPUTS = ("text", "email", "number", "password", "hidden", "date", "datetime", "time", "url")

DRAWN_IN_PYTHON: dict[str, Callable[[Mapping[str, Any]], SafeString | None]] = {
    "django/forms/widgets/input.html": _safe(_input),
    # Django's text.html, email.html and the rest are one include of input.html.
    **{f"django/forms/widgets/{kind}.html": _safe(_input) for kind in _INPUTS},
    "django/forms/widgets/checkbox.html": _safe(_checkbox),
    "django/forms/widgets/textarea.html": _safe(_textarea),
    "django/forms/widgets/select.html": _safe(_select),
    "core/forms/field.html": _safe(_field_group),
    "core/forms/form.html": _safe(_form),
    # Ours are one include of form.html.
    "django/forms/div.html": _safe(_form),
    "django/forms/p.html": _safe(_form),
}
