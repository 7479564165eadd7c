"""REST API for evidence and custody under /api/v1/custody/. Thin over selectors and services.

Everything inherits its case's need-to-know: an item, event or report of a case the caller may
not see answers 404, exactly as on the web. People are named by user name.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound as DRFNotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.cases.selectors import case_get_for
from casework.core.api import CreatedCursorPagination
from casework.core.errors import DomainError
from casework.core.filters import BooleanFilter, QueryFilterSet, SelectorListView, TextFilter
from casework.core.serializers import (
    CaseworkModelSerializer,
    CaseworkSerializer,
    StartedClockSerializer,
)

from . import selectors, services
from .bundle import court_bundle_case, court_bundle_export, court_bundle_response
from .choices import EventKind, HashAlgorithm, ItemKind
from .models import (
    CustodyEvent,
    CustodySignOff,
    EvidenceHash,
    EvidenceItem,
    EvidenceStore,
)
from .reporting import case_export, case_report

# --- serializers ---------------------------------------------------------------------------


# The offset of the place an event happened from UTC, in minutes. Real zones span -12 h to +14 h;
# ISO 8601 and PostgreSQL allow up to 18 h either way, and no more.
MAX_OFFSET_MINUTES = 18 * 60


class LocalOffsetField(serializers.IntegerField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", 0)
        kwargs.setdefault("help_text", "Minutes east of UTC where it happened (-1080 to 1080).")
        super().__init__(min_value=-MAX_OFFSET_MINUTES, max_value=MAX_OFFSET_MINUTES, **kwargs)


class UserNameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs) -> None:
        super().__init__(slug_field="username", queryset=User.objects.all(), **kwargs)


class EvidenceStoreSerializer(CaseworkModelSerializer):
    class Meta:
        model = EvidenceStore
        fields = ["id", "name", "identifier_pattern", "metadata_api_url", "is_active"]
        read_only_fields = ["id", "is_active"]


class EvidenceHashSerializer(CaseworkModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = EvidenceHash
        fields = ["algorithm", "value", "recorded_by", "recorded_at"]
        read_only_fields = ["recorded_by", "recorded_at"]


class EvidenceHashInputSerializer(CaseworkSerializer):
    # Free text on purpose: the service answers an unknown algorithm with an actionable message.
    algorithm = serializers.CharField(max_length=20, help_text=f"One of {HashAlgorithm.values}")
    value = serializers.CharField(max_length=200)


class CustodyEventSerializer(CaseworkModelSerializer):
    released_by = serializers.CharField(source="released_by.username", default=None)
    received_by = serializers.CharField(source="received_by.username", default=None)
    recorded_by = serializers.CharField(source="recorded_by.username")
    change_made_by = serializers.CharField(source="change_made_by.username", default=None)
    second_signature_by = serializers.CharField(source="second_signature_by.username", default=None)
    corrects = serializers.IntegerField(source="corrects.sequence", default=None)
    acknowledged_by = serializers.SerializerMethodField()

    class Meta:
        model = CustodyEvent
        fields = [
            "id", "sequence", "kind", "started_at", "ended_at", "local_offset_minutes",
            "place", "released_by", "received_by", "external_party", "purpose",
            "transfer_reason", "authority",
            "transport_method", "tracking_number", "tool_name", "tool_version",
            "condition_on_receipt", "seal_state", "seal_numbers", "change_made",
            "change_made_by", "change_reason", "hash_algorithm", "hash_value", "hash_result",
            "submission_reference", "hash_set_identifier", "count_new", "count_known",
            "count_series_matched", "corrects", "note", "recorded_by", "recorded_at",
            "second_signature_by", "second_signed_at", "acknowledged_by",
        ]  # fmt: skip

    def get_acknowledged_by(self, event) -> str | None:
        ack = getattr(event, "acknowledgement", None) if event.received_by_id else None
        return ack.acknowledged_by.username if ack else None


class EvidenceItemSerializer(CaseworkModelSerializer):
    case = serializers.CharField(source="case.number")
    store = serializers.CharField(source="store.name")
    root_exhibit_number = serializers.CharField()
    seized_by = serializers.CharField(source="seized_by.username")
    current_holder = serializers.CharField(source="current_holder.username", default=None)
    last_event = serializers.IntegerField(source="last_event_id")

    class Meta:
        model = EvidenceItem
        fields = [
            "public_id", "case", "store", "store_identifier", "exhibit_number",
            "root_exhibit_number", "kind", "make", "model_name", "serial_number", "description",
            "seized_at", "seized_place", "seizure_authority", "seized_by", "seal_numbers",
            "state", "current_holder", "last_event", "hash_mismatch", "submitted_at",
            "created_at",
        ]  # fmt: skip


class EvidenceItemDetailSerializer(EvidenceItemSerializer):
    hashes = EvidenceHashSerializer(many=True)
    events = CustodyEventSerializer(many=True)

    class Meta(EvidenceItemSerializer.Meta):
        fields = [*EvidenceItemSerializer.Meta.fields, "hashes", "events"]


class EvidenceItemCreatedSerializer(EvidenceItemDetailSerializer):
    """An item just recorded, with the clock its seizure started."""

    started_clocks = StartedClockSerializer(
        many=True,
        read_only=True,
        default=(),
        help_text="The ICSE submission clock the seizure started, or the open one started by "
        "hand on the case that it adopted; empty when no clock applies.",
    )

    class Meta(EvidenceItemDetailSerializer.Meta):
        fields = [*EvidenceItemDetailSerializer.Meta.fields, "started_clocks"]


class EvidenceItemInputSerializer(CaseworkSerializer):
    case = serializers.CharField(help_text="Case number")
    store = serializers.SlugRelatedField(slug_field="name", queryset=EvidenceStore.objects.all())
    store_identifier = serializers.CharField(max_length=200)
    exhibit_number = serializers.CharField(max_length=60)
    root_exhibit_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    make = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    model_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    serial_number = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    seized_at = serializers.DateTimeField()
    local_offset_minutes = LocalOffsetField()
    seized_place = serializers.CharField(max_length=200)
    seizure_authority = serializers.CharField(max_length=120)
    seized_by = UserNameField()
    seal_numbers = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list
    )
    hashes = EvidenceHashInputSerializer(many=True, required=False, default=list)


class CustodyEventInputSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(choices=EventKind.choices)
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    local_offset_minutes = LocalOffsetField()
    released_by = UserNameField(required=False, allow_null=True, default=None)
    received_by = UserNameField(required=False, allow_null=True, default=None)
    change_made_by = UserNameField(required=False, allow_null=True, default=None)
    corrects = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Sequence number it corrects",
    )
    expected_last_event = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="The item's last_event as you saw it; a different one answers 409.",
    )
    seal_numbers = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list
    )
    count_new = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    count_known = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0
    )
    count_series_matched = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0
    )
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    external_party = serializers.CharField(max_length=200, required=False, allow_blank=True)
    purpose = serializers.CharField(max_length=300, required=False, allow_blank=True)
    transfer_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Why the item changes hands; required for a transfer.",
    )
    authority = serializers.CharField(max_length=120, required=False, allow_blank=True)
    transport_method = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tool_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tool_version = serializers.CharField(max_length=60, required=False, allow_blank=True)
    condition_on_receipt = serializers.CharField(max_length=300, required=False, allow_blank=True)
    seal_state = serializers.CharField(max_length=10, required=False, allow_blank=True)
    change_made = serializers.CharField(max_length=300, required=False, allow_blank=True)
    change_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    hash_algorithm = serializers.CharField(max_length=20, required=False, allow_blank=True)
    hash_value = serializers.CharField(max_length=200, required=False, allow_blank=True)
    submission_reference = serializers.CharField(max_length=120, required=False, allow_blank=True)
    hash_set_identifier = serializers.CharField(max_length=120, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CustodySignOffInputSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(choices=[("released", "Released"), ("disposed", "Disposed")])
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    local_offset_minutes = LocalOffsetField()
    expected_last_event = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1
    )
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    external_party = serializers.CharField(max_length=200, required=False, allow_blank=True)
    purpose = serializers.CharField(max_length=300, required=False, allow_blank=True)
    authority = serializers.CharField(max_length=120, required=False, allow_blank=True)
    transport_method = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CustodySignOffSerializer(CaseworkModelSerializer):
    item = serializers.UUIDField(source="item.public_id")
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", default=None)
    event = serializers.IntegerField(source="event_id", default=None)

    class Meta:
        model = CustodySignOff
        fields = [
            "id", "item", "kind", "state", "fields", "requested_by", "decided_by",
            "decided_at", "event", "created_at",
        ]  # fmt: skip


class CustodySignOffRefuseSerializer(CaseworkSerializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --- views ---------------------------------------------------------------------------------


def _case_worker_only(request) -> None:
    if not request.user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise DRFNotFound()


class StoreListView(APIView):
    """Evidence stores (everyone who records evidence reads them; administrators add them)."""

    @extend_schema(responses=EvidenceStoreSerializer(many=True))
    def get(self, request):
        _case_worker_only(request)
        return Response(EvidenceStoreSerializer(selectors.store_list(), many=True).data)

    @extend_schema(request=EvidenceStoreSerializer, responses={201: EvidenceStoreSerializer})
    def post(self, request):
        data = EvidenceStoreSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        store = services.store_create(actor=request.user, **data.validated_data)
        return Response(EvidenceStoreSerializer(store).data, status=status.HTTP_201_CREATED)


class ItemFilter(QueryFilterSet):
    case = TextFilter(help_text="Only this case (its number)")
    hash_mismatch = BooleanFilter(help_text="Only flagged items")

    class Meta:
        model = EvidenceItem
        fields: list[str] = []


class ItemListView(SelectorListView, generics.CreateAPIView):
    """Evidence items of the cases you can see, optionally of one case or only mismatches."""

    serializer_class = EvidenceItemSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = ItemFilter

    def select(self, *, user, case, hash_mismatch):
        # A case one may not see answers 404, as it does everywhere else.
        case = case_get_for(user=user, number=case) if case else None
        return selectors.item_list(user=user, case=case, mismatch_only=bool(hash_mismatch))

    @extend_schema(
        request=EvidenceItemInputSerializer, responses={201: EvidenceItemCreatedSerializer}
    )
    def post(self, request):
        data = EvidenceItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case = case_get_for(user=request.user, number=values.pop("case"))
        root_number = values.pop("root_exhibit_number", "")
        root = None
        if root_number:
            root = EvidenceItem.objects.filter(case=case, exhibit_number=root_number).first()
            if root is None:
                raise DomainError(
                    f"No exhibit {root_number} on {case}.", field="root_exhibit_number"
                )
        values["hashes"] = [(h["algorithm"], h["value"]) for h in values["hashes"]]
        created = services.item_create(actor=request.user, case=case, root_item=root, **values)
        item = selectors.item_get_for(user=request.user, public_id=created.public_id, audit=False)
        item.started_clocks = created.started_clocks
        return Response(EvidenceItemCreatedSerializer(item).data, status=status.HTTP_201_CREATED)


class ItemDetailView(APIView):
    """One item with its hashes and full chain (the view is audited)."""

    @extend_schema(responses=EvidenceItemDetailSerializer)
    def get(self, request, public_id):
        item = selectors.item_get_for(user=request.user, public_id=public_id)
        return Response(EvidenceItemDetailSerializer(item).data)


class ItemHashView(APIView):
    """Add a hash value the evidence store computed (never changed afterwards)."""

    @extend_schema(request=EvidenceHashInputSerializer, responses={201: EvidenceHashSerializer})
    def post(self, request, public_id):
        item = selectors.item_get_for(user=request.user, public_id=public_id, audit=False)
        data = EvidenceHashInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        digest = services.hash_record(actor=request.user, item=item, **data.validated_data)
        return Response(EvidenceHashSerializer(digest).data, status=status.HTTP_201_CREATED)


class ItemEventView(APIView):
    """The chain of one item; POST appends an event (409 if the chain moved meanwhile)."""

    @extend_schema(responses=CustodyEventSerializer(many=True))
    def get(self, request, public_id):
        item = selectors.item_get_for(user=request.user, public_id=public_id)
        return Response(CustodyEventSerializer(item.events.all(), many=True).data)

    @extend_schema(request=CustodyEventInputSerializer, responses={201: CustodyEventSerializer})
    def post(self, request, public_id):
        item = selectors.item_get_for(user=request.user, public_id=public_id, audit=False)
        data = CustodyEventInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if v not in (None, "", [])}
        if "corrects" in values:
            corrects = CustodyEvent.objects.filter(item=item, sequence=values["corrects"]).first()
            if corrects is None:
                raise DomainError("No event with that sequence on this item.", field="corrects")
            values["corrects"] = corrects
        if "expected_last_event" not in values:
            values["expected_last_event"] = None
            item.last_event_id = None  # no version given: the caller accepts the current chain
        event = services.custody_event_record(actor=request.user, item=item, **values)
        event = CustodyEvent.objects.select_related(
            "released_by",
            "received_by",
            "recorded_by",
            "corrects",
            "change_made_by",
            "second_signature_by",
            "acknowledgement__acknowledged_by",
        ).get(pk=event.pk)  # fmt: skip
        return Response(CustodyEventSerializer(event).data, status=status.HTTP_201_CREATED)


class EventAcknowledgeView(APIView):
    """The receiver acknowledges a hand-over in their own name."""

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "CustodyAcknowledgement",
                {
                    "event": serializers.IntegerField(),
                    "acknowledged_at": serializers.DateTimeField(),
                },
            )
        },
    )
    def post(self, request, pk):
        event = selectors.event_get_for(user=request.user, pk=pk)
        ack = services.custody_acknowledge(actor=request.user, event=event)
        return Response(
            {"event": event.pk, "acknowledged_at": ack.acknowledged_at},
            status=status.HTTP_201_CREATED,
        )


class SignOffRequestView(APIView):
    """Request a release or disposal; a different supervisor of the unit must countersign."""

    @extend_schema(request=CustodySignOffInputSerializer, responses={201: CustodySignOffSerializer})
    def post(self, request, public_id):
        item = selectors.item_get_for(user=request.user, public_id=public_id, audit=False)
        data = CustodySignOffInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if v not in (None, "")}
        if "expected_last_event" not in values:
            item.last_event_id = None
        sign_off = services.signoff_request(actor=request.user, item=item, **values)
        return Response(CustodySignOffSerializer(sign_off).data, status=status.HTTP_201_CREATED)


class SignOffCountersignView(APIView):
    @extend_schema(request=None, responses={201: CustodyEventSerializer})
    def post(self, request, pk):
        sign_off = selectors.sign_off_get_for(user=request.user, pk=pk)
        event = services.signoff_countersign(actor=request.user, sign_off=sign_off)
        return Response(CustodyEventSerializer(event).data, status=status.HTTP_201_CREATED)


class SignOffRefuseView(APIView):
    @extend_schema(request=CustodySignOffRefuseSerializer, responses=CustodySignOffSerializer)
    def post(self, request, pk):
        sign_off = selectors.sign_off_get_for(user=request.user, pk=pk)
        data = CustodySignOffRefuseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sign_off = services.signoff_refuse(
            actor=request.user, sign_off=sign_off, reason=data.validated_data["reason"]
        )
        return Response(CustodySignOffSerializer(sign_off).data)


class ItemReportPdfView(APIView):
    """The custody report of one item as PDF (audited as a download)."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, public_id):
        item = selectors.item_get_for(user=request.user, public_id=public_id, audit=False)
        return case_report(request, case=item.case, items=[item], pdf=True)


class CaseReportPdfView(APIView):
    """The custody report of a whole case as PDF (audited as a download)."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, number):
        case, items = selectors.case_items_with_chains(user=request.user, number=number)
        return case_report(request, case=case, items=items, pdf=True)


class CaseCourtBundleView(APIView):
    """A case's court bundle (zip): reports, chronology, CASE/UCO, every audit event with its
    inclusion proof, the signed checkpoint and a signed manifest. Supervisors of the case's
    unit; anyone else 404. Audited as ``case.court_bundle_export``."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, number):
        case = court_bundle_case(user=request.user, number=number)
        return court_bundle_response(court_bundle_export(user=request.user, case=case, via="api"))


class CaseExportView(APIView):
    """A case's evidence and custody events as CASE/UCO JSON-LD (audited as an export)."""

    @extend_schema(responses={(200, "application/ld+json"): OpenApiTypes.OBJECT})
    def get(self, request, number):
        case, items = selectors.case_items_with_chains(user=request.user, number=number)
        document = case_export(user=request.user, case=case, items=items)
        return HttpResponse(json.dumps(document), content_type="application/ld+json")
