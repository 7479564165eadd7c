from __future__ import annotations

from django.urls import path

from . import sso_views

urlpatterns = [
    path("start/", sso_views.SignOnStartView.as_view(), name="sso-start"),
    path("callback/", sso_views.sign_on_callback, name="sso-callback"),
]
