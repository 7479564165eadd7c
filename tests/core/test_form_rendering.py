"""Forms drawn in Python (``casework.core.renderers``) are byte for byte what the templates draw.

Every form class of Casework that can be made without arguments is drawn unbound, bound to
nothing (every required field in error) and bound to awkward values, as a whole and field by
field, once by the renderer Casework uses and once by the templates alone; then the widgets and
field shapes no such form has (a fieldset, a checkbox with help, option groups, hidden fields,
markup in values) are drawn both ways too.
"""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting

from casework.cases.forms import PersonForm
from casework.core.forms import CaseworkForm
from casework.core.renderers import CaseworkFormRenderer, TemplateOnlyRenderer
from tests.core.test_input_edges import _casework_classes

pytestmark = pytest.mark.django_db

AWKWARD = '<b>"Müller" & O\'Brien</b>'


def _drawings(form: forms.BaseForm) -> list[str]:
    drawn = [form.as_div(), str(form), form.as_p()]
    for field in form:
        drawn += [str(field.as_field_group()), str(field)]
    return drawn


def _both_ways(make) -> tuple[list[str], list[str]]:
    python, templates = make(), make()
    python.renderer, templates.renderer = CaseworkFormRenderer(), TemplateOnlyRenderer()
    return _drawings(python), _drawings(templates)


def _makers(form_class):
    yield "unbound", lambda: form_class()
    yield "bound to nothing", lambda: form_class(data={})
    yield (
        "bound to awkward values",
        lambda: form_class(data={name: AWKWARD for name in form_class.base_fields}),
    )


def test_every_form_is_drawn_as_its_templates_draw_it():
    drawn = 0
    for form_class in _casework_classes(forms.BaseForm):
        for state, make in _makers(form_class):
            try:
                make()
            except (TypeError, ValueError):
                continue  # needs arguments (or is a base class): the tests below cover those
            python, templates = _both_ways(make)
            for ours, theirs in zip(python, templates, strict=True):
                assert ours == theirs, f"{form_class.__name__}, {state}"
            drawn += 1
    assert drawn > 60, "most forms are drawn both ways"


class _Shapes(CaseworkForm):
    title = forms.CharField(label="Title", help_text="Shown <em>everywhere</em>.", max_length=80)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    agree = forms.BooleanField(label="I agree", help_text="Once only.", required=False)
    plain = forms.BooleanField(required=False)
    colour = forms.ChoiceField(
        choices=[("Warm", [("red", "Red"), ("amber", "Amber & co")]), ("blue", "Blue")]
    )
    sizes = forms.MultipleChoiceField(
        choices=[("s", "Small"), ("m", "Medium")], widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    count = forms.IntegerField(label="Count", min_value=0)
    when = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    day = forms.DateField(widget=forms.DateInput(attrs={"class": "usa-input usa-input--sm"}))
    contact = forms.EmailField(required=False, label="")
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {
            "title": AWKWARD,
            "summary": AWKWARD,
            "agree": "on",
            "colour": "amber",
            "sizes": ["m"],
            "kind": "b",
            "count": "-1",
            "when": "2026-12-06T23:00",
            "day": "2026-12-06",
            "contact": "not an address",
            "token": AWKWARD,
            "secret": "x",
        },
    ],
    ids=["unbound", "empty", "awkward"],
)
def test_every_field_shape_is_drawn_as_its_templates_draw_it(data):
    initial = {"title": AWKWARD, "summary": "two\nlines", "count": 3, "token": "t&t"}
    python, templates = _both_ways(lambda: _Shapes(data=data, initial=initial))
    assert python == templates


def test_a_person_picker_is_drawn_as_its_template_draws_it(investigator, teammate):
    from casework.cases.selectors import unit_investigators

    people = unit_investigators(investigator.unit_id)
    for data in (None, {"user": str(teammate.pk)}, {"user": "nobody"}):
        python, templates = _both_ways(lambda data=data: PersonForm(data, people=people))
        assert python == templates
    assert f'<option value="{teammate.pk}">' in python[0]


class _Common(CaseworkForm):
    title = forms.CharField(label="Title", help_text="A hint.")
    summary = forms.CharField(widget=forms.Textarea, required=False)
    priority = forms.ChoiceField(choices=[("P1", "P1"), ("P2", "P2")])
    urgent = forms.BooleanField(required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def test_a_common_form_is_drawn_without_the_template_engine(monkeypatch):
    # Without this, the comparisons above could pass with both sides drawn by the templates.
    def refuse(self, template_name):
        raise AssertionError(f"{template_name} went through the template engine")

    monkeypatch.setattr(TemplatesSetting, "get_template", refuse)
    form = _Common(initial={"title": AWKWARD})
    assert isinstance(form.renderer, CaseworkFormRenderer)
    drawn = form.as_div()
    assert 'value="&lt;b&gt;&quot;Müller&quot; &amp; O&#x27;Brien&lt;/b&gt;"' in drawn
    assert '<div class="usa-hint" id="id_title_helptext">A hint.</div>' in drawn
    with pytest.raises(AssertionError, match=r"django/forms/div\.html"):
        _Common(data={}).as_div()  # a form with errors: its summary comes from the template
