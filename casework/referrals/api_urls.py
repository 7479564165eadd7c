from __future__ import annotations

from django.urls import path

from . import api

app_name = "referrals-api"

urlpatterns = [
    path("", api.ReferralListView.as_view(), name="referrals"),
    path("incident-types/", api.IncidentTypeListView.as_view(), name="incident-types"),
    path("<int:pk>/", api.ReferralDetailView.as_view(), name="referral"),
    path("<int:pk>/triage/", api.TriageStartView.as_view(), name="triage"),
    path("<int:pk>/accept/", api.AcceptView.as_view(), name="accept"),
    path("<int:pk>/decline/", api.DeclineView.as_view(), name="decline"),
    path("<int:pk>/refer-out/", api.ReferOutView.as_view(), name="refer-out"),
    path("<int:pk>/identifiers/", api.IdentifiersView.as_view(), name="identifiers"),
]
