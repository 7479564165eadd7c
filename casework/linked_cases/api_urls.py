from __future__ import annotations

from django.urls import path

from . import api

app_name = "linked_cases-api"

urlpatterns = [
    path("transfers/", api.TransfersView.as_view(), name="transfers"),
    path("transfers/<int:pk>/accept/", api.TransferAcceptView.as_view(), name="transfer-accept"),
    path("transfers/<int:pk>/decline/", api.TransferDeclineView.as_view(), name="transfer-decline"),
    path("cases/<str:number>/transfer/", api.TransferProposeView.as_view(), name="transfer"),
    path("cases/<str:number>/", api.CaseLinksView.as_view(), name="links"),
    path("cases/<str:number>/merge/", api.CaseMergeView.as_view(), name="merge"),
    path("cases/<str:number>/<int:pk>/remove/", api.CaseLinkRemoveView.as_view(), name="remove"),
]
