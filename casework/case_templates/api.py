"""API under ``/api/v1/case_templates/``: templates (read by workers, written by
administrators) and a case's checklist (through the case's need-to-know; 404 otherwise)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.cases.selectors import case_get_for
from casework.core.errors import DomainError
from casework.core.serializers import CaseworkModelSerializer, CaseworkSerializer
from casework.deadlines.models import DeadlineRule
from casework.referrals.models import IncidentType

from . import selectors, services
from .choices import EVIDENCE_CHOICES, ChecklistState
from .models import CaseTemplate, ChecklistItem

DAYS = {"min_value": 0, "max_value": services.MAX_DUE_DAYS, "required": False, "allow_null": True}


class TemplateTaskSerializer(CaseworkSerializer):
    title = serializers.CharField(max_length=200)
    due_days = serializers.IntegerField(
        **DAYS, help_text="Due this many days after the case opens."
    )


class TemplateChecklistSerializer(CaseworkSerializer):
    statement = serializers.CharField(max_length=300)
    evidence = serializers.ChoiceField(
        choices=EVIDENCE_CHOICES,
        required=False,
        allow_blank=True,
        help_text="The recorded act that ticks the item on its own.",
    )
    due_days = serializers.IntegerField(**DAYS)


class TemplateClockSerializer(CaseworkSerializer):
    rule = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="Deadline rule id.")
    kind = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class CaseTemplateSerializer(CaseworkModelSerializer):
    incident_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.IntegerField(source="current_version.number", read_only=True)
    tasks = serializers.SerializerMethodField()
    clocks = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()

    class Meta:
        model = CaseTemplate
        fields = [
            "id",
            "name",
            "incident_type",
            "active",
            "version",
            "tasks",
            "clocks",
            "checklist",
        ]

    def _version(self, template):
        cache = self.context.setdefault("versions", {})
        if template.pk not in cache:
            cache[template.pk] = selectors.version_content(template.current_version)
        return cache[template.pk]

    @extend_schema_field(TemplateTaskSerializer(many=True))
    def get_tasks(self, template) -> list[dict]:
        version = self._version(template)
        return (
            [{"title": t.title, "due_days": t.due_days} for t in version.tasks.all()]
            if version
            else []
        )

    @extend_schema_field(TemplateClockSerializer(many=True))
    def get_clocks(self, template) -> list[dict]:
        version = self._version(template)
        if version is None:
            return []
        return [
            {"rule": c.rule_id, "kind": c.rule.kind, "name": c.rule.name}
            for c in version.clocks.all()
        ]

    @extend_schema_field(TemplateChecklistSerializer(many=True))
    def get_checklist(self, template) -> list[dict]:
        version = self._version(template)
        if version is None:
            return []
        return [
            {"statement": i.statement, "evidence": i.evidence, "due_days": i.due_days}
            for i in version.checklist_items.all()
        ]


class CaseTemplateInputSerializer(CaseworkSerializer):
    name = serializers.CharField(max_length=200)
    incident_type = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="Incident type code, or blank."
    )
    active = serializers.BooleanField(default=True)
    tasks = TemplateTaskSerializer(many=True, required=False)
    clocks = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        help_text="Deadline rule ids (/api/v1/deadlines/rules/).",
    )
    checklist = TemplateChecklistSerializer(many=True, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ChecklistItemSerializer(CaseworkModelSerializer):
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistItem
        fields = [
            "id", "position", "statement", "evidence", "due_at", "state", "reason",
            "resolved_at", "resolved_by", "automatic", "evidence_type", "evidence_id",
            "evidence_label", "evidence_url",
        ]  # fmt: skip

    def get_evidence_url(self, item) -> str:
        return selectors.evidence_url(item)


class CaseChecklistSerializer(CaseworkSerializer):
    template = serializers.CharField(allow_null=True)
    version = serializers.IntegerField(allow_null=True)
    items = ChecklistItemSerializer(many=True)


class ChecklistResolveSerializer(CaseworkSerializer):
    state = serializers.ChoiceField(choices=ChecklistState.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _save(request, template=None) -> CaseTemplate:
    data = _valid(CaseTemplateInputSerializer, request)
    if not selectors.can_edit_templates(request.user):
        raise DomainError("Only administrators edit case templates.", status=403)
    incident_type = None
    if data.get("incident_type"):
        incident_type = IncidentType.objects.filter(code=data["incident_type"]).first()
        if incident_type is None:
            raise DomainError("No incident type with this code.", field="incident_type")
    rules = {r.pk: r for r in DeadlineRule.objects.filter(pk__in=data.get("clocks", []))}
    missing = [pk for pk in data.get("clocks", []) if pk not in rules]
    if missing:
        raise DomainError(f"No deadline rule {missing[0]}.", field="clocks")
    return services.case_template_save(
        actor=request.user,
        template=template,
        name=data["name"],
        incident_type=incident_type,
        active=data["active"],
        tasks=[services.TaskSpec(**t) for t in data.get("tasks", [])],
        clocks=[rules[pk] for pk in data.get("clocks", [])],
        checklist=[services.ChecklistSpec(**i) for i in data.get("checklist", [])],
        note=data.get("note", ""),
    )


class CaseTemplateListView(APIView):
    @extend_schema(responses=CaseTemplateSerializer(many=True))
    def get(self, request):
        if not selectors.can_read_templates(request.user):
            raise DomainError(
                "Only investigators, supervisors and administrators read templates.", status=403
            )
        templates = list(selectors.templates_for(request.user)[:200])
        return Response(CaseTemplateSerializer(templates, many=True).data)

    @extend_schema(
        request=CaseTemplateInputSerializer,
        responses={201: CaseTemplateSerializer},
        description="Create a template (administrators). Its content is version 1.",
    )
    def post(self, request):
        template = _save(request)
        return Response(CaseTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class CaseTemplateDetailView(APIView):
    @extend_schema(responses=CaseTemplateSerializer)
    def get(self, request, pk: int):
        return Response(
            CaseTemplateSerializer(selectors.template_get_for(user=request.user, pk=pk)).data
        )

    @extend_schema(
        request=CaseTemplateInputSerializer,
        responses=CaseTemplateSerializer,
        description="Replace the template's content (administrators). A change of tasks, clocks "
        "or checklist writes a new version; cases already opened keep theirs.",
    )
    def put(self, request, pk: int):
        template = selectors.template_get_for(user=request.user, pk=pk)
        return Response(CaseTemplateSerializer(_save(request, template)).data)


def _checklist_payload(request, case) -> dict:
    use = selectors.template_use_for(case)
    return {
        "template": use.version.template.name if use else None,
        "version": use.version.number if use else None,
        "items": list(selectors.checklist_for(user=request.user, case=case)),
    }


class CaseChecklistView(APIView):
    @extend_schema(responses=CaseChecklistSerializer)
    def get(self, request, number: str):
        case = case_get_for(user=request.user, number=number)
        return Response(CaseChecklistSerializer(_checklist_payload(request, case)).data)


class ChecklistItemView(APIView):
    @extend_schema(
        request=ChecklistResolveSerializer,
        responses=ChecklistItemSerializer,
        description="Mark the item done, not applicable (with a reason) or not done again.",
    )
    def post(self, request, number: str, pk: int):
        case = case_get_for(user=request.user, number=number)
        item = selectors.checklist_item_get_for(user=request.user, case=case, pk=pk)
        data = _valid(ChecklistResolveSerializer, request)
        item = services.checklist_item_resolve(
            actor=request.user, item=item, state=data["state"], reason=data.get("reason", "")
        )
        return Response(ChecklistItemSerializer(item).data)
