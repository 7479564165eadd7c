from __future__ import annotations

from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/<slug:key>.csv", views.figure_csv, name="figure-csv"),
    path("reports/", views.report, name="report"),
    path("hash-sets/", views.hash_sets, name="hash-sets"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<str:number>/", views.review_case, name="review-case"),
]
