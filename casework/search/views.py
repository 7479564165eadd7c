"""The search page: one box, results grouped by kind. Thin: ``selectors`` decide what the user
may see and write the audit event."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .forms import SearchForm


@login_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound:
        if form.is_valid():
            if form.cleaned_data["q"]:
                results = selectors.search_run(user=request.user, query=form.cleaned_data["q"])
        else:
            selectors.search_refused(
                user=request.user,
                query=request.GET.get("q", ""),
                problem=" ".join(form.errors.get("q", [])),
            )
    return render(
        request,
        "search/search.html",
        {"form": form, "results": results, "shown_per_group": selectors.SHOWN_PER_GROUP},
    )
