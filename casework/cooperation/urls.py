from __future__ import annotations

from django.urls import path

from . import views

app_name = "cooperation"

urlpatterns = [
    path("keys/", views.keys, name="keys"),
    path("keys/<int:pk>/add/", views.key_add, name="key-add"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="key-revoke"),
    path("partners/<int:pk>/revoke/", views.installation_revoke, name="installation-revoke"),
    path("sharing-units/", views.sharing_unit, name="sharing-unit"),
    path("exchanges/", views.exchanges, name="exchanges"),
    path("cases/<str:number>/hits/<int:pk>/confirm/", views.hit_confirm, name="hit-confirm"),
]
