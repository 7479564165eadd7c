"""What hangs off a case: identifiers (and deconfliction), subjects, notes, tasks and the
victim records, each through the case's need-to-know."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.accounts.choices import Role
from casework.core.errors import DomainError, NotFound

from .. import selectors, services
from ..models import CaseIdentifier, CaseNote
from ._shared import (
    REASON_HEADER,
    OldestFirstPagination,
    case_quiet,
    case_viewed,
    user_in_unit,
    valid_data,
)
from .serializers import (
    CaseIdentifierAddedSerializer,
    CaseIdentifierInputSerializer,
    CaseIdentifierSerializer,
    CaseNoteInputSerializer,
    CaseNoteSerializer,
    CaseSubjectInputSerializer,
    CaseSubjectSerializer,
    CaseTaskInputSerializer,
    CaseTaskSerializer,
    CaseTaskStateSerializer,
    DeconflictionMatchSerializer,
    DeconflictLookupSerializer,
    VictimRecordInputSerializer,
    VictimRecordSerializer,
)


class CaseIdentifiersView(generics.GenericAPIView):
    pagination_class = OldestFirstPagination
    serializer_class = CaseIdentifierSerializer
    filter_backends: list = []
    # The browsable API asks every generic view for a queryset to draw its filter form; the rows
    # themselves come from the selector, for the case in the URL.
    queryset = CaseIdentifier.objects.none()

    @extend_schema(responses=CaseIdentifierSerializer(many=True))
    def get(self, request, number: str):
        case = case_viewed(request, number, tab="identifiers")
        rows = selectors.case_identifiers_for(user=request.user, case=case).order_by()
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(CaseIdentifierSerializer(page, many=True).data)

    @extend_schema(
        request=CaseIdentifierInputSerializer,
        responses={201: CaseIdentifierAddedSerializer},
        description="Adds the identifier and deconflicts it against every case; matches in "
        "cases you cannot see give only the unit and the lead's contact.",
    )
    def post(self, request, number: str):
        case = case_quiet(request, number)
        data = valid_data(CaseIdentifierInputSerializer, request)
        subject = None
        if data["subject"] is not None:
            subject = selectors.case_subject_get_for(
                user=request.user, case=case, pk=data["subject"]
            )
        identifier = services.case_identifier_add(
            actor=request.user,
            case=case,
            kind=data["kind"],
            raw=data["value"],
            service=data["service"],
            device_kind=data["device_kind"],
            ip_event=data["ip_event"],
            observed_at=data["observed_at"],
            port=data["port"],
            subject=subject,
        )
        body = {
            "identifier": CaseIdentifierSerializer(identifier).data,
            "matches": [m.as_dict() for m in identifier.matches],
        }
        return Response(body, status=status.HTTP_201_CREATED)


class DeconflictView(APIView):
    @extend_schema(
        request=DeconflictLookupSerializer,
        responses=DeconflictionMatchSerializer(many=True),
        description="Look an identifier up across every case without adding it. Audited on "
        "both sides; leads of matched cases are told who asked.",
    )
    def post(self, request):
        if not request.user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
            # Deconfliction discloses other units' leads; it is for people working cases.
            raise DomainError("Only investigators and supervisors deconflict.", status=403)
        data = valid_data(DeconflictLookupSerializer, request)
        matches = services.identifier_deconflict(
            actor=request.user,
            kind=data["kind"],
            normal_value=data["normal_value"],
            context_label="api lookup",
        )
        return Response([m.as_dict() for m in matches])


class CaseSubjectsView(APIView):
    @extend_schema(responses=CaseSubjectSerializer(many=True))
    def get(self, request, number: str):
        case = case_viewed(request, number, tab="subjects")
        subjects = selectors.case_subjects_for(user=request.user, case=case)
        return Response(CaseSubjectSerializer(subjects, many=True).data)

    @extend_schema(request=CaseSubjectInputSerializer, responses={201: CaseSubjectSerializer})
    def post(self, request, number: str):
        case = case_quiet(request, number)
        data = valid_data(CaseSubjectInputSerializer, request)
        subject = services.case_subject_add(
            actor=request.user, case=case, role=data["role"], description=data["description"]
        )
        return Response(CaseSubjectSerializer(subject).data, status=status.HTTP_201_CREATED)


class CaseNotesView(generics.GenericAPIView):
    pagination_class = OldestFirstPagination
    serializer_class = CaseNoteSerializer
    filter_backends: list = []
    queryset = CaseNote.objects.none()  # for the browsable API, as on CaseIdentifiersView

    @extend_schema(responses=CaseNoteSerializer(many=True))
    def get(self, request, number: str):
        case = case_viewed(request, number, tab="notes")
        notes = selectors.case_notes_for(user=request.user, case=case).order_by()
        page = self.paginate_queryset(notes)
        return self.get_paginated_response(CaseNoteSerializer(page, many=True).data)

    @extend_schema(request=CaseNoteInputSerializer, responses={201: CaseNoteSerializer})
    def post(self, request, number: str):
        case = case_quiet(request, number)
        data = valid_data(CaseNoteInputSerializer, request)
        corrects = None
        if data["corrects"] is not None:
            corrects = selectors.case_note_get_for(
                user=request.user, case=case, pk=data["corrects"]
            )
        note = services.case_note_add(
            actor=request.user, case=case, body=data["body"], corrects=corrects
        )
        return Response(CaseNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class CaseTasksView(APIView):
    @extend_schema(responses=CaseTaskSerializer(many=True))
    def get(self, request, number: str):
        case = case_viewed(request, number, tab="tasks")
        tasks = selectors.case_tasks_for(user=request.user, case=case)
        return Response(CaseTaskSerializer(tasks, many=True).data)

    @extend_schema(request=CaseTaskInputSerializer, responses={201: CaseTaskSerializer})
    def post(self, request, number: str):
        case = case_quiet(request, number)
        data = valid_data(CaseTaskInputSerializer, request)
        assignee = None
        if data["assignee"]:
            assignee = user_in_unit(data["assignee"], case.unit_id, "assignee")
        task = services.case_task_add(
            actor=request.user,
            case=case,
            title=data["title"],
            assignee=assignee,
            due_at=data["due_at"],
        )
        return Response(CaseTaskSerializer(task).data, status=status.HTTP_201_CREATED)


class CaseTaskView(APIView):
    @extend_schema(
        operation_id="cases_task_set_done",
        request=CaseTaskStateSerializer,
        responses=CaseTaskSerializer,
    )
    def post(self, request, number: str, pk: int):
        case = case_quiet(request, number)
        task = selectors.case_task_get_for(user=request.user, case=case, pk=pk)
        data = valid_data(CaseTaskStateSerializer, request)
        if data["done"] and not task.is_done:
            services.case_task_complete(actor=request.user, task=task)
        elif not data["done"] and task.is_done:
            services.case_task_reopen(actor=request.user, task=task)
        return Response(CaseTaskSerializer(task).data)


REASON_PARAMETER = OpenApiParameter(
    REASON_HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="Why you need the victim records (break-the-glass); kept in the audit trail.",
)


def _reason(request) -> str:
    return request.headers.get(REASON_HEADER, "")


class CaseVictimsView(APIView):
    @extend_schema(parameters=[REASON_PARAMETER], responses=VictimRecordSerializer(many=True))
    def get(self, request, number: str):
        case = case_viewed(request, number, tab="victims")
        victims = selectors.victim_records_view(
            user=request.user, case=case, reason=_reason(request)
        )
        return Response(VictimRecordSerializer(victims, many=True).data)


class CaseVictimView(APIView):
    @extend_schema(
        parameters=[REASON_PARAMETER],
        request=VictimRecordInputSerializer,
        responses=VictimRecordSerializer,
    )
    def patch(self, request, number: str, pk: int):
        case = case_quiet(request, number)
        victim = selectors.victim_record_get_for(user=request.user, case=case, pk=pk)
        data = valid_data(VictimRecordInputSerializer, request)
        services.victim_record_update(
            actor=request.user,
            victim=victim,
            identification=data.get("identification"),
            icse_reference=data.get("icse_reference"),
            national_reference=data.get("national_reference"),
        )
        if data.get("safeguarding_action"):
            services.victim_safeguarding_add(
                actor=request.user, victim=victim, action=data["safeguarding_action"]
            )
        for shown in selectors.victim_records_view(
            user=request.user, case=case, reason=_reason(request)
        ):
            if shown.pk == victim.pk:
                return Response(VictimRecordSerializer(shown).data)
        raise NotFound("No victim record that you can see.")
