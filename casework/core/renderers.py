"""The one way forms are drawn: USWDS markup, an error summary at the top of each form.

Every ``{{ form }}``, ``{{ form.as_div }}`` and ``{{ field.as_field_group }}`` goes through the
templates named here and the overrides in ``casework/templates/django/forms/``, so a new form is
styled and announces its errors without its template doing anything.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class CaseworkFormRenderer(TemplatesSetting):
    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"
