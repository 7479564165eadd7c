from __future__ import annotations

from django.urls import path

from . import api

app_name = "cases-api"

urlpatterns = [
    path("", api.CaseListView.as_view(), name="cases"),
    path("deconflict/", api.DeconflictView.as_view(), name="deconflict"),
    path("<str:number>/", api.CaseDetailView.as_view(), name="case"),
    path("<str:number>/transition/", api.CaseTransitionView.as_view(), name="transition"),
    path("<str:number>/close-request/", api.CaseCloseRequestView.as_view(), name="close-request"),
    path("<str:number>/closure/", api.CaseClosureChecklistView.as_view(), name="closure"),
    path("<str:number>/approve/", api.CaseApproveView.as_view(), name="approve"),
    path("<str:number>/reject/", api.CaseRejectView.as_view(), name="reject"),
    path("<str:number>/identifiers/", api.CaseIdentifiersView.as_view(), name="identifiers"),
    path("<str:number>/subjects/", api.CaseSubjectsView.as_view(), name="subjects"),
    path("<str:number>/notes/", api.CaseNotesView.as_view(), name="notes"),
    path("<str:number>/tasks/", api.CaseTasksView.as_view(), name="tasks"),
    path("<str:number>/tasks/<int:pk>/", api.CaseTaskView.as_view(), name="task"),
    path("<str:number>/chronology/", api.CaseChronologyView.as_view(), name="chronology"),
    path("<str:number>/victims/", api.CaseVictimsView.as_view(), name="victims"),
    path("<str:number>/victims/<int:pk>/", api.CaseVictimView.as_view(), name="victim"),
]
