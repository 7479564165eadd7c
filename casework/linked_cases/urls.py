from __future__ import annotations

from django.urls import path

from . import views

app_name = "linked_cases"

urlpatterns = [
    path("cases/<str:number>/", views.link_create, name="create"),
    path("cases/<str:number>/merge/", views.merge, name="merge"),
    path("cases/<str:number>/<int:pk>/remove/", views.link_remove, name="remove"),
]
