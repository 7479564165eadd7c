from __future__ import annotations

from django.urls import path

from . import views

app_name = "custody"

urlpatterns = [
    path("items/<uuid:public_id>/", views.item_detail, name="item"),
]
