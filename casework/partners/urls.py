from __future__ import annotations

from django.urls import path

from . import views

app_name = "partners"


def _on_record(prefix: str, converter: str) -> list:
    return [
        path(f"{prefix}/<{converter}>/", views.record_partners, name=prefix[:-1]),
        path(
            f"{prefix}/<{converter}>/communications/new/",
            views.communication_new,
            name=f"{prefix[:-1]}-communication-new",
        ),
        path(
            f"{prefix}/<{converter}>/communications.csv",
            views.communications_csv,
            name=f"{prefix[:-1]}-communications-csv",
        ),
        path(
            f"{prefix}/<{converter}>/requests/new/",
            views.request_new,
            name=f"{prefix[:-1]}-request-new",
        ),
        path(
            f"{prefix}/<{converter}>/refer-out/", views.refer_out, name=f"{prefix[:-1]}-refer-out"
        ),
    ]


urlpatterns = [
    path("", views.directory, name="directory"),
    path("agencies/new/", views.agency_new, name="agency-new"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency-edit"),
    path("agencies/<int:pk>/contacts/new/", views.contact_new, name="contact-new"),
    path("contacts/options/", views.contact_options, name="contact-options"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("requests/<uuid:pk>/", views.request_detail, name="request"),
    path("requests/<uuid:pk>/status/", views.request_status, name="request-status"),
    path("communications/<uuid:pk>/", views.communication_detail, name="communication"),
    path("supervision/", views.supervision, name="supervision"),
    *_on_record("cases", "str:number"),
    *_on_record("referrals", "int:pk"),
]
