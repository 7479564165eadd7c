from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator

from casework.core.forms import CaseworkForm

from .selectors import MAX_QUERY_LENGTH, query_problem


class SearchForm(CaseworkForm):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        help_text="A case number or part of it, a title, a referral or request reference, an "
        "exhibit number or store id, or an identifier (e-mail, user name, phone, IP address).",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # One message for one problem: ``query_problem`` says how long the text is and why it
        # is refused; Django's own length message would repeat it less helpfully.
        field = self.fields["q"]
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]

    def clean_q(self) -> str:
        text = self.cleaned_data.get("q", "")
        if text:
            problem = query_problem(text)
            if problem:
                raise forms.ValidationError(problem, code="invalid_search")
        return text
