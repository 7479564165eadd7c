from __future__ import annotations

from django.urls import path

from . import api

app_name = "custody-api"

urlpatterns = [
    path("stores/", api.StoreListView.as_view(), name="stores"),
    path("items/", api.ItemListView.as_view(), name="items"),
    path("items/<uuid:public_id>/", api.ItemDetailView.as_view(), name="item"),
    path("items/<uuid:public_id>/hashes/", api.ItemHashView.as_view(), name="item-hashes"),
    path("items/<uuid:public_id>/events/", api.ItemEventView.as_view(), name="item-events"),
    path(
        "items/<uuid:public_id>/sign-offs/",
        api.SignOffRequestView.as_view(),
        name="item-sign-offs",
    ),
    path("items/<uuid:public_id>/report.pdf", api.ItemReportPdfView.as_view(), name="item-report"),
    path(
        "events/<int:pk>/acknowledge/",
        api.EventAcknowledgeView.as_view(),
        name="event-acknowledge",
    ),
    path(
        "sign-offs/<int:pk>/countersign/",
        api.SignOffCountersignView.as_view(),
        name="sign-off-countersign",
    ),
    path("sign-offs/<int:pk>/refuse/", api.SignOffRefuseView.as_view(), name="sign-off-refuse"),
    path("cases/<str:number>/report.pdf", api.CaseReportPdfView.as_view(), name="case-report"),
    path("cases/<str:number>/case-uco/", api.CaseExportView.as_view(), name="case-export"),
    path(
        "cases/<str:number>/court-bundle.zip",
        api.CaseCourtBundleView.as_view(),
        name="case-court-bundle",
    ),
]
