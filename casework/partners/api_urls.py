from __future__ import annotations

from django.urls import path

from . import api

app_name = "partners-api"

urlpatterns = [
    path("agencies/", api.AgencyListView.as_view(), name="agencies"),
    path("agencies/<int:pk>/", api.AgencyDetailView.as_view(), name="agency"),
    path("agencies/<int:pk>/contacts/", api.AgencyContactsView.as_view(), name="agency-contacts"),
    path("contacts/<int:pk>/", api.ContactDetailView.as_view(), name="contact"),
    path("contacts/<int:pk>/history/", api.ContactHistoryView.as_view(), name="contact-history"),
    path("communications/", api.CommunicationListView.as_view(), name="communications"),
    path("communications/<uuid:pk>/", api.CommunicationDetailView.as_view(), name="communication"),
    path("requests/", api.RequestListView.as_view(), name="requests"),
    path("requests/<uuid:pk>/", api.RequestDetailView.as_view(), name="request"),
    path("requests/<uuid:pk>/status/", api.RequestStatusView.as_view(), name="request-status"),
    path("refer-out/", api.ReferOutView.as_view(), name="refer-out"),
    path("supervision/open/", api.OpenRequestsView.as_view(), name="open-requests"),
    path("supervision/response-times/", api.ResponseTimesView.as_view(), name="response-times"),
]
