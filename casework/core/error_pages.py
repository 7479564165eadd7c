"""Error pages that lead somewhere: the normal header and navigation, and a way back.

Django renders 400.html, 403.html and 404.html with the request, so those pages get the
navigation on their own. Two cases need help: a server error (Django renders 500.html without
the request, so without the navigation), and "method not allowed", which Django answers with
an empty page. The commonest 405 is a person reloading the address a form posted to
(``/cases/NORTH-2026-0001/status/``): the record it belongs to is the parent address, so they
are sent there instead of being shown an error.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve

log = logging.getLogger(__name__)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return render(request, "500.html", status=500)
    except Exception:  # the navigation needs the database, which may be what failed
        log.exception("500 page rendered without navigation")
        return HttpResponse(loader.get_template("500.html").render(), status=500)


def _record_path(path: str) -> str | None:
    """The nearest address above an action address that is a page of its own
    (``/cases/N/close/request/`` → ``/cases/N/``)."""
    parent = path.rstrip("/")
    while "/" in parent.strip("/"):
        parent = parent.rsplit("/", 1)[0]
        try:
            resolve(parent + "/")
        except Resolver404:
            continue
        return parent + "/"
    return None


class MethodNotAllowedMiddleware:
    """Turn Django's empty 405 into a redirect to the record (a reloaded form address) or a
    page with the navigation. The API keeps its problem-details answer."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or request.path.startswith("/api/"):
            return response
        if request.method in ("GET", "HEAD"):
            record = _record_path(request.path)
            if record is not None:
                messages.info(
                    request,
                    "That address only takes a submitted form, so here is the page it belongs to.",
                )
                return HttpResponseRedirect(record)
        page = render(request, "405.html", status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
