from __future__ import annotations

from django.urls import path

from . import api

app_name = "retention-api"

urlpatterns = [
    path("", api.QueueView.as_view(), name="queue"),
    path("reviews/<int:pk>/retain/", api.ReviewRetainView.as_view(), name="retain"),
    path("reviews/<int:pk>/dispose/", api.ReviewDisposeView.as_view(), name="dispose"),
    path("reviews/<int:pk>/hold/", api.ReviewHoldView.as_view(), name="review-hold"),
    path("holds/", api.HoldsView.as_view(), name="holds"),
    path("holds/<int:pk>/lift/", api.HoldLiftView.as_view(), name="lift"),
    path("disposals/<int:pk>/approve/", api.DisposalApproveView.as_view(), name="approve"),
    path("disposals/<int:pk>/reject/", api.DisposalRejectView.as_view(), name="reject"),
    path("disposed/", api.TombstonesView.as_view(), name="tombstones"),
    path("rules/", api.RulesView.as_view(), name="rules"),
]
