from __future__ import annotations

from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/retain/", views.review_decide, {"decision": "retain"}, name="retain"),
    path("reviews/<int:pk>/dispose/", views.review_decide, {"decision": "dispose"}, name="dispose"),
    path("reviews/<int:pk>/hold/", views.review_decide, {"decision": "hold"}, name="review-hold"),
    path("holds/new/", views.hold_new, name="hold-new"),
    path("holds/<int:pk>/", views.hold, name="hold"),
    path("disposals/<int:pk>/", views.disposal, name="disposal"),
    path(
        "disposals/<int:pk>/approve/",
        views.disposal_decide,
        {"decision": "approve"},
        name="approve",
    ),
    path(
        "disposals/<int:pk>/reject/", views.disposal_decide, {"decision": "reject"}, name="reject"
    ),
    path("disposed/", views.tombstones, name="tombstones"),
    path("disposed/<int:pk>/", views.tombstone, name="tombstone"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/<int:pk>/", views.rule_change, name="rule"),
]
