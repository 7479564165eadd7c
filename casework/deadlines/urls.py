from __future__ import annotations

from django.urls import path

from . import views

app_name = "deadlines"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("calendar/", views.calendar, name="calendar"),
    path("board/", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("feed/", views.feed_settings, name="feed-settings"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("<uuid:reference>/", views.detail, name="detail"),
    path("<uuid:reference>/meet/", views.meet, name="meet"),
    path("<uuid:reference>/waive/", views.waive, name="waive"),
    path("<uuid:reference>/extend/", views.extend, name="extend"),
]
