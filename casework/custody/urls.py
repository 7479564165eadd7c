from __future__ import annotations

from django.urls import path

from . import views

app_name = "custody"

urlpatterns = [
    path("", views.item_list, name="items"),
    path("cases/", views.case_jump, name="case-jump"),
    path("cases/<str:number>/", views.case_items, name="case-items"),
    path("cases/<str:number>/items/new/", views.item_create, name="item-create"),
    path("cases/<str:number>/report/", views.case_report_view, name="case-report"),
    path("cases/<str:number>/report.pdf", views.case_report_pdf, name="case-report-pdf"),
    path("cases/<str:number>/case-uco.jsonld", views.case_export_view, name="case-export"),
    path("cases/<str:number>/court-bundle.zip", views.court_bundle_view, name="case-court-bundle"),
    path("items/<uuid:public_id>/", views.item_detail, name="item"),
    path("items/<uuid:public_id>/events/new/", views.event_create, name="event-create"),
    path("items/<uuid:public_id>/hashes/new/", views.hash_create, name="hash-create"),
    path("items/<uuid:public_id>/sign-off/", views.sign_off_request, name="sign-off-request"),
    path("items/<uuid:public_id>/report/", views.item_report, name="item-report"),
    path("items/<uuid:public_id>/report.pdf", views.item_report_pdf, name="item-report-pdf"),
    path("sign-offs/<int:pk>/decide/", views.sign_off_decide, name="sign-off-decide"),
    path("events/<int:pk>/acknowledge/", views.event_acknowledge, name="event-acknowledge"),
    path("stores/", views.store_list, name="stores"),
    path("stores/<int:pk>/", views.store_edit, name="store-edit"),
]
