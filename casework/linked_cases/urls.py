from __future__ import annotations

from django.urls import path

from . import views

app_name = "linked_cases"

urlpatterns = [
    path("transfers/", views.transfers, name="transfers"),
    path(
        "transfers/<int:pk>/accept/",
        views.transfer_decide,
        {"decision": "accept"},
        name="transfer-accept",
    ),
    path(
        "transfers/<int:pk>/decline/",
        views.transfer_decide,
        {"decision": "decline"},
        name="transfer-decline",
    ),
    path("cases/<str:number>/transfer/", views.transfer_propose, name="transfer"),
    path("cases/<str:number>/", views.link_create, name="create"),
    path("cases/<str:number>/merge/", views.merge, name="merge"),
    path("cases/<str:number>/<int:pk>/remove/", views.link_remove, name="remove"),
]
