"""API for cases under ``/api/v1/cases/``: thin views over the selectors and services.

A case is named by its number. A case the caller may not see answers 404, and so does
everything under it; lists never include it. Errors are problem details (``DomainError`` and
``NotFound`` are converted by ``casework.core.api``). Lists use keyset (cursor) pagination.
"""

from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.core.api import (
    QUERY_TEXT_LIMIT,
    CreatedCursorPagination,
    query_choice,
    query_text,
)
from casework.core.errors import DomainError, NotFound
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent, normalise_identifier
from casework.core.serializers import CaseworkModelSerializer, CaseworkSerializer

from . import chronology, closure, selectors, services
from .choices import (
    REQUESTABLE_OUTCOMES,
    CaseStatus,
    Priority,
    SubjectRole,
    VictimIdentification,
)
from .models import Case, CaseClosureRequest, CaseIdentifier, CaseNote, CaseSubject, CaseTask

REASON_HEADER = "Casework-Reason"


class OpenedCursorPagination(CreatedCursorPagination):
    ordering = ("-opened_at", "-id")


class OldestFirstPagination(CreatedCursorPagination):
    ordering = ("created_at", "id")


def _user_in_unit(username: str, unit_id: int | None, field: str) -> User:
    user = User.objects.filter(username=username, unit_id=unit_id).first()
    if user is None:
        raise DomainError(f"No user {username!r} in this unit.", field=field)
    return user


# --- serializers -------------------------------------------------------------------------------


class CasePersonSerializer(CaseworkModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "name", "email", "phone"]

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class CaseSerializer(CaseworkModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead = CasePersonSerializer(read_only=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "title",
            "unit",
            "priority",
            "status",
            "lead",
            "opened_at",
            "closed_at",
            "closure_outcome",
        ]


class CaseClosureRequestSerializer(CaseworkModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseClosureRequest
        fields = [
            "id",
            "status",
            "outcome",
            "reason",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class CaseDetailSerializer(CaseSerializer):
    assignees = serializers.SerializerMethodField()
    pending_closure = serializers.SerializerMethodField()
    merged_into = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text="The original, for a merged duplicate."
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "summary",
            "closure_reason",
            "merged_into",
            "assignees",
            "pending_closure",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_assignees(self, case) -> list[str]:
        return [a.user.username for a in selectors.case_assignees(case)]

    @extend_schema_field(CaseClosureRequestSerializer(allow_null=True))
    def get_pending_closure(self, case) -> dict | None:
        pending = selectors.pending_closure(case)
        return CaseClosureRequestSerializer(pending).data if pending else None


class CaseCreateSerializer(CaseworkSerializer):
    title = serializers.CharField(max_length=200)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.P3)
    lead = serializers.CharField(
        required=False, help_text="User name of the lead (default: you); same unit."
    )
    template = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Id of an active case template (/api/v1/case_templates/templates/): its "
        "tasks, clocks and checklist are added as the case opens.",
    )


class CaseTransitionSerializer(CaseworkSerializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CaseCloseRequestSerializer(CaseworkSerializer):
    reason = serializers.CharField()
    outcome = serializers.ChoiceField(choices=REQUESTABLE_OUTCOMES)


class CaseCloseCarryingSerializer(CaseCloseRequestSerializer):
    carried = serializers.DictField(
        child=serializers.CharField(max_length=500),
        required=False,
        default=dict,
        help_text="Open item key (e.g. ``deadline:12``) → why it is carried past closure.",
    )


class CarriedItemSerializer(CaseworkSerializer):
    key = serializers.CharField()
    group = serializers.CharField()
    label = serializers.CharField()
    due_at = serializers.DateTimeField(
        allow_null=True, read_only=True, help_text="When the item was due (null for none)."
    )
    reason = serializers.CharField()


class CaseClosureCarriedSerializer(CaseClosureRequestSerializer):
    carried = CarriedItemSerializer(many=True, read_only=True)

    class Meta(CaseClosureRequestSerializer.Meta):
        fields = [*CaseClosureRequestSerializer.Meta.fields, "carried"]


class CaseClosureDecisionSerializer(CaseworkSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CaseIdentifierSerializer(CaseworkModelSerializer):
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Decrypted for those the selectors let see the case; "[disposed]" once its key is gone.
    raw_value = serializers.CharField(read_only=True)
    normal_value = serializers.CharField(read_only=True)
    subject = serializers.SerializerMethodField()

    class Meta:
        model = CaseIdentifier
        fields = [
            "id",
            "kind",
            "raw_value",
            "normal_value",
            "service",
            "device_kind",
            "ip_event",
            "observed_at",
            "port",
            "subject",
            "source_referral_id",
            "added_by",
            "created_at",
        ]

    def get_subject(self, identifier) -> str | None:
        return identifier.subject.pseudonym if identifier.subject_id else None


class DeconflictionMatchSerializer(CaseworkSerializer):
    """A deconfliction match. For a case you cannot see, only ``unit_*`` and ``lead_*`` are
    given; ``case_number`` and ``case_title`` are null."""

    kind = serializers.CharField()
    normal_value = serializers.CharField()
    visible = serializers.BooleanField()
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    lead_name = serializers.CharField()
    lead_email = serializers.CharField()
    lead_phone = serializers.CharField()
    case_number = serializers.CharField(allow_null=True)
    case_title = serializers.CharField(allow_null=True)


class CaseIdentifierInputSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(choices=IdentifierKind.choices)
    value = serializers.CharField(max_length=500, help_text="As the source gave it.")
    service = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    device_kind = serializers.ChoiceField(
        choices=DeviceIdKind.choices, required=False, allow_blank=True, default=""
    )
    ip_event = serializers.ChoiceField(
        choices=IpEvent.choices, required=False, allow_blank=True, default=""
    )
    observed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    port = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=65535
    )
    subject = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Id of a subject of the case.",
    )

    def validate(self, data):
        _normal_form(data)
        return data


class CaseIdentifierAddedSerializer(CaseworkSerializer):
    identifier = CaseIdentifierSerializer()
    matches = DeconflictionMatchSerializer(many=True)


class DeconflictLookupSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(choices=IdentifierKind.choices)
    value = serializers.CharField(max_length=500)
    service = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    device_kind = serializers.ChoiceField(
        choices=DeviceIdKind.choices, required=False, allow_blank=True, default=""
    )

    def validate(self, data):
        data["normal_value"] = _normal_form(data)
        return data


def _normal_form(data: dict) -> str:
    """The identifier's comparable form, or a 400 naming the field that is wrong.

    Checked here, before any service runs, so that a value the normaliser cannot even parse
    (``http://[x`` makes the URL parser raise ``ValueError``) is a located 400, not a 500."""
    try:
        return normalise_identifier(
            data["kind"],
            data["value"],
            service=data.get("service", ""),
            device_kind=data.get("device_kind", ""),
        )
    except DomainError as error:
        raise serializers.ValidationError(
            {e.field or "value": e.message for e in error.errors}
        ) from error
    except ValueError as error:
        raise serializers.ValidationError(
            {"value": f"{data['value']!r} cannot be read as a {data['kind']}."}
        ) from error


class CaseSubjectSerializer(CaseworkModelSerializer):
    pseudonym = serializers.CharField(read_only=True)
    # Decrypted for the reader (casework.privacy.texts); "[disposed]" once shredded.
    description = serializers.CharField(read_only=True)

    class Meta:
        model = CaseSubject
        fields = ["id", "pseudonym", "role", "description", "created_at"]


class CaseSubjectInputSerializer(CaseworkSerializer):
    role = serializers.ChoiceField(choices=SubjectRole.choices)
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )


class CaseNoteSerializer(CaseworkModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    body = serializers.CharField(read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "author", "body", "corrects", "created_at"]


class CaseNoteInputSerializer(CaseworkSerializer):
    body = serializers.CharField()
    corrects = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Id of the note this corrects.",
    )


class CaseTaskSerializer(CaseworkModelSerializer):
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    done_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseTask
        fields = ["id", "title", "assignee", "due_at", "done_at", "done_by", "created_at"]


class CaseTaskInputSerializer(CaseworkSerializer):
    title = serializers.CharField(max_length=200)
    assignee = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="User name, on the case."
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CaseTaskStateSerializer(CaseworkSerializer):
    done = serializers.BooleanField()


class VictimSafeguardingSerializer(CaseworkSerializer):
    action = serializers.CharField()
    taken_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.username")


class VictimRecordSerializer(CaseworkSerializer):
    id = serializers.IntegerField()
    pseudonym = serializers.CharField(source="subject.pseudonym")
    identification = serializers.ChoiceField(choices=VictimIdentification.choices)
    icse_reference = serializers.CharField()
    national_reference = serializers.CharField()
    identified_at = serializers.DateTimeField(allow_null=True)
    safeguarded_at = serializers.DateTimeField(allow_null=True)
    safeguarding_actions = VictimSafeguardingSerializer(
        many=True, source="safeguarding_actions.all"
    )


class VictimRecordInputSerializer(CaseworkSerializer):
    identification = serializers.ChoiceField(choices=VictimIdentification.choices, required=False)
    icse_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    national_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    safeguarding_action = serializers.CharField(
        max_length=300, required=False, help_text="Record one safeguarding action taken now."
    )


# --- views ---------------------------------------------------------------------------------------

CASE_SCOPES = ["mine", "unit"]
CASE_FILTERS = [
    OpenApiParameter(
        "q",
        str,
        description="Number prefix, words of the title, or an identifier (at most "
        f"{QUERY_TEXT_LIMIT} characters).",
    ),
    OpenApiParameter("status", str, enum=CaseStatus.values),
    OpenApiParameter("priority", str, enum=Priority.values),
    OpenApiParameter("scope", str, enum=CASE_SCOPES, description="Default: all you see."),
]


# A case opened for another lead may be one the opener cannot see: then only its number.
CASE_OPENED_SCHEMA = {
    "anyOf": [
        {"$ref": "#/components/schemas/CaseDetail"},
        {
            "type": "object",
            "properties": {"number": {"type": "string"}},
            "required": ["number"],
            "additionalProperties": False,
        },
    ]
}


class CaseListView(generics.GenericAPIView):
    pagination_class = OpenedCursorPagination
    serializer_class = CaseSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        filters = selectors.CaseFilters(
            q=query_text(params, "q"),
            status=query_choice(params, "status", CaseStatus.values),
            priority=query_choice(params, "priority", Priority.values),
            scope=query_choice(params, "scope", CASE_SCOPES),
        )
        return selectors.case_queryset(user=self.request.user, filters=filters)

    @extend_schema(parameters=CASE_FILTERS, responses=CaseSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    @extend_schema(
        request=CaseCreateSerializer,
        responses={
            201: OpenApiResponse(
                response=CASE_OPENED_SCHEMA,
                description="The new case; only its number when you opened it for a lead "
                "and cannot see it yourself.",
            )
        },
    )
    def post(self, request):
        data = _valid(CaseCreateSerializer, request)
        user = request.user
        if user.unit is None:
            raise DomainError("Only members of a unit open cases.", status=403)
        lead = _user_in_unit(data["lead"], user.unit_id, "lead") if data.get("lead") else user
        case = services.case_open(
            actor=user,
            unit=user.unit,
            title=data["title"],
            lead=lead,
            priority=data["priority"],
            template_id=data.get("template"),
        )
        if not selectors.case_is_visible(user=user, case=case):
            return Response({"number": case.number}, status=status.HTTP_201_CREATED)
        return Response(CaseDetailSerializer(case).data, status=status.HTTP_201_CREATED)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _case(request, number: str, *, tab: str = "api") -> Case:
    return selectors.case_view(user=request.user, number=number, tab=tab)


def _case_quiet(request, number: str) -> Case:
    return selectors.case_get_for(user=request.user, number=number)


class CaseDetailView(APIView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request, number: str):
        return Response(CaseDetailSerializer(_case(request, number)).data)


class CaseTransitionView(APIView):
    @extend_schema(
        request=CaseTransitionSerializer,
        responses=CaseDetailSerializer,
        description="Move the case along its allowed transitions. Closing is refused here: "
        "use close-request and a supervisor's approve.",
    )
    def post(self, request, number: str):
        case = _case_quiet(request, number)
        data = _valid(CaseTransitionSerializer, request)
        services.case_change_status(
            actor=request.user, case=case, status=data["status"], reason=data["reason"]
        )
        return Response(CaseDetailSerializer(case).data)


class CaseCloseRequestView(APIView):
    @extend_schema(
        request=CaseCloseCarryingSerializer,
        responses={201: CaseClosureCarriedSerializer},
        description="Every open item that blocks closing (see the closure checklist) must be "
        "resolved first or carried: ``carried`` maps its key to a reason. An item neither "
        "resolved nor carried is a field error at ``carried.<key>``.",
    )
    def post(self, request, number: str):
        case = _case_quiet(request, number)
        data = _valid(CaseCloseCarryingSerializer, request)
        asked = services.case_close_request(
            actor=request.user,
            case=case,
            reason=data["reason"],
            outcome=data["outcome"],
            carried=data["carried"],
        )
        return Response(CaseClosureCarriedSerializer(asked).data, status=status.HTTP_201_CREATED)


class CaseApproveView(APIView):
    @extend_schema(
        request=CaseClosureDecisionSerializer,
        responses=CaseDetailSerializer,
        description="A supervisor of the case's unit (not the requester) approves the "
        "pending closure; the case is closed.",
    )
    def post(self, request, number: str):
        case = _case_quiet(request, number)
        data = _valid(CaseClosureDecisionSerializer, request)
        services.case_close_approve(actor=request.user, case=case, note=data["note"])
        return Response(CaseDetailSerializer(case).data)


class CaseRejectView(APIView):
    @extend_schema(request=CaseClosureDecisionSerializer, responses=CaseClosureRequestSerializer)
    def post(self, request, number: str):
        case = _case_quiet(request, number)
        data = _valid(CaseClosureDecisionSerializer, request)
        closure = services.case_close_reject(actor=request.user, case=case, note=data["note"])
        return Response(CaseClosureRequestSerializer(closure).data)


class CaseIdentifiersView(generics.GenericAPIView):
    pagination_class = OldestFirstPagination
    serializer_class = CaseIdentifierSerializer
    filter_backends: list = []
    # The browsable API asks every generic view for a queryset to draw its filter form; the rows
    # themselves come from the selector, for the case in the URL.
    queryset = CaseIdentifier.objects.none()

    @extend_schema(responses=CaseIdentifierSerializer(many=True))
    def get(self, request, number: str):
        case = _case(request, number, tab="identifiers")
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
        case = _case_quiet(request, number)
        data = _valid(CaseIdentifierInputSerializer, request)
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
        data = _valid(DeconflictLookupSerializer, request)
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
        case = _case(request, number, tab="subjects")
        subjects = selectors.case_subjects_for(user=request.user, case=case)
        return Response(CaseSubjectSerializer(subjects, many=True).data)

    @extend_schema(request=CaseSubjectInputSerializer, responses={201: CaseSubjectSerializer})
    def post(self, request, number: str):
        case = _case_quiet(request, number)
        data = _valid(CaseSubjectInputSerializer, request)
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
        case = _case(request, number, tab="notes")
        notes = selectors.case_notes_for(user=request.user, case=case).order_by()
        page = self.paginate_queryset(notes)
        return self.get_paginated_response(CaseNoteSerializer(page, many=True).data)

    @extend_schema(request=CaseNoteInputSerializer, responses={201: CaseNoteSerializer})
    def post(self, request, number: str):
        case = _case_quiet(request, number)
        data = _valid(CaseNoteInputSerializer, request)
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
        case = _case(request, number, tab="tasks")
        tasks = selectors.case_tasks_for(user=request.user, case=case)
        return Response(CaseTaskSerializer(tasks, many=True).data)

    @extend_schema(request=CaseTaskInputSerializer, responses={201: CaseTaskSerializer})
    def post(self, request, number: str):
        case = _case_quiet(request, number)
        data = _valid(CaseTaskInputSerializer, request)
        assignee = None
        if data["assignee"]:
            assignee = _user_in_unit(data["assignee"], case.unit_id, "assignee")
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
        case = _case_quiet(request, number)
        task = selectors.case_task_get_for(user=request.user, case=case, pk=pk)
        data = _valid(CaseTaskStateSerializer, request)
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
        case = _case(request, number, tab="victims")
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
        case = _case_quiet(request, number)
        victim = selectors.victim_record_get_for(user=request.user, case=case, pk=pk)
        data = _valid(VictimRecordInputSerializer, request)
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


# --- chronology --------------------------------------------------------------------------------


class ChronologyEntrySerializer(CaseworkSerializer):
    occurred_at = serializers.DateTimeField(help_text="In the caller's time zone.")
    kind = serializers.ChoiceField(choices=list(chronology.KINDS))
    actor = serializers.CharField()
    text = serializers.CharField(help_text="The action in plain words, after the actor's name.")
    url = serializers.CharField(help_text="Web page of the record the action concerns.")
    event_id = serializers.IntegerField(
        allow_null=True, help_text="Audit event id; supervisors and auditors only, else null."
    )


class ChronologyPageSerializer(CaseworkSerializer):
    next = serializers.CharField(allow_null=True)
    results = ChronologyEntrySerializer(many=True)


class CaseChronologyView(APIView):
    """The case's history from the audit ledger, newest first, one row per action."""

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(chronology.KINDS)),
            OpenApiParameter("cursor", OpenApiTypes.STR),
        ],
        responses=ChronologyPageSerializer,
    )
    def get(self, request, number: str):
        case = chronology.chronology_case(user=request.user, number=number)
        kind = request.query_params.get("kind", "")
        page = chronology.chronology_page(
            user=request.user,
            case=case,
            kind=kind,
            cursor=request.query_params.get("cursor", ""),
        )
        following = None
        if page.next_cursor:
            query = {"cursor": page.next_cursor, **({"kind": kind} if kind else {})}
            following = request.build_absolute_uri(request.path) + "?" + urlencode(query)
        results = [
            {
                "occurred_at": entry.occurred_at.isoformat(),
                "kind": entry.kind,
                "actor": entry.actor,
                "text": entry.text,
                "url": entry.url,
                "event_id": entry.event_id,
            }
            for entry in page.entries
        ]
        return Response({"next": following, "results": results})


# --- closure checklist ---------------------------------------------------------------------------


class OpenItemSerializer(CaseworkSerializer):
    key = serializers.CharField()
    group = serializers.ChoiceField(choices=list(closure.ORDER))
    label = serializers.CharField()
    url = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    blocking = serializers.BooleanField(
        help_text="False for what closing ends by itself (the periodic case review)."
    )
    carried = serializers.BooleanField(help_text="Carried by the pending closure request.")


class ClosureChecklistSerializer(CaseworkSerializer):
    open_items = OpenItemSerializer(many=True)
    pending = CaseClosureCarriedSerializer(allow_null=True)


class CaseClosureChecklistView(APIView):
    """What is open on the case, court dates first: what a closure request must resolve or
    carry, and what the deciding supervisor sees."""

    @extend_schema(responses=ClosureChecklistSerializer)
    def get(self, request, number: str):
        case = _case(request, number, tab="closure")
        pending = selectors.pending_closure(case)
        carried = closure.carried_keys(pending.carried) if pending else set()
        items = [
            {
                "key": item.key,
                "group": item.group,
                "label": item.label,
                "url": item.url,
                "due_at": item.due_at.isoformat() if item.due_at else None,
                "overdue": item.overdue,
                "blocking": item.blocking,
                "carried": item.key in carried,
            }
            for item in closure.case_open_items(case=case)
        ]
        return Response(
            {
                "open_items": items,
                "pending": CaseClosureCarriedSerializer(pending).data if pending else None,
            }
        )
