from __future__ import annotations

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("mine/", views.my_cases, name="mine"),
    path("unit/", views.unit_cases, name="unit"),
    path("closures/", views.closure_queue, name="closures"),
    path("new/", views.case_open, name="open"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/edit/", views.case_edit, name="edit"),
    path("<str:number>/status/", views.case_status, name="status"),
    path("<str:number>/priority/", views.case_priority, name="priority"),
    path("<str:number>/lead/", views.case_lead, name="lead"),
    path("<str:number>/assign/", views.case_assign, name="assign"),
    path("<str:number>/unassign/", views.case_unassign, name="unassign"),
    path("<str:number>/close/request/", views.case_close_request, name="close-request"),
    path(
        "<str:number>/close/approve/",
        views.case_close_decide,
        {"decision": "approve"},
        name="close-approve",
    ),
    path(
        "<str:number>/close/reject/",
        views.case_close_decide,
        {"decision": "reject"},
        name="close-reject",
    ),
    path("<str:number>/chronology/", views.case_chronology, name="chronology"),
    path(
        "<str:number>/chronology.csv",
        views.case_chronology_export,
        {"fmt": "csv"},
        name="chronology-csv",
    ),
    path(
        "<str:number>/chronology.pdf",
        views.case_chronology_export,
        {"fmt": "pdf"},
        name="chronology-pdf",
    ),
    path("<str:number>/subjects/", views.case_subjects, name="subjects"),
    path("<str:number>/identifiers/", views.case_identifiers, name="identifiers"),
    path(
        "<str:number>/identifiers/<int:pk>/deconflict/",
        views.case_deconflict,
        name="deconflict",
    ),
    path("<str:number>/victims/", views.case_victims, name="victims"),
    path(
        "<str:number>/victims/<int:pk>/record/",
        views.victim_update,
        {"what": "record"},
        name="victim-update",
    ),
    path(
        "<str:number>/victims/<int:pk>/safeguarding/",
        views.victim_update,
        {"what": "safeguarding"},
        name="victim-safeguarding",
    ),
    path("<str:number>/notes/", views.case_notes, name="notes"),
    path("<str:number>/tasks/", views.case_tasks, name="tasks"),
    path("<str:number>/tasks/<int:pk>/toggle/", views.case_task_toggle, name="task-toggle"),
]
