from __future__ import annotations

from django.urls import path

from . import views

app_name = "hashsets"

urlpatterns = [
    path("", views.register, name="register"),
    path("cases/<str:number>/new/", views.hash_set_create, name="create"),
    path("<uuid:public_id>/", views.hash_set_detail, name="detail"),
    path("<uuid:public_id>/share/", views.sharing_create, name="share"),
    path(
        "sharings/<uuid:public_id>/acknowledge/",
        views.sharing_acknowledge,
        name="acknowledge",
    ),
]
