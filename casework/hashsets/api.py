"""REST API of the register under /api/v1/hashsets/. Thin over selectors and services.

A set, or a sharing, of a case the caller may not see answers 404, as on the web. The manifest
route takes the VICS manifest itself as the JSON request body (``Content-Type:
application/json``): this is how an evidence store or a lab integration sends the counts, since
no file is uploaded anywhere. Casework keeps only the counts by category and the body's SHA-256.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import BasePagination
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.cases.selectors import case_get_for
from casework.core.api import query_text
from casework.core.errors import DomainError
from casework.core.filters import ChoiceFilter, QueryFilterSet, SelectorListView, TextFilter
from casework.core.serializers import CaseworkModelSerializer, CaseworkSerializer
from casework.custody.models import EvidenceItem
from casework.partners.models import Agency

from . import selectors, services
from .choices import Destination, SetAlgorithm
from .manifest import MAX_BYTES, ManifestProblem, ManifestRefused
from .models import HashSet, HashSetSharing

# --- serializers ---------------------------------------------------------------------------


class SharingSerializer(CaseworkModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    agency = serializers.CharField(source="agency.__str__", read_only=True, default=None)
    shared_by = serializers.CharField(source="shared_by.username", read_only=True)

    class Meta:
        model = HashSetSharing
        fields = [
            "id",
            "destination",
            "agency",
            "shared_at",
            "shared_by",
            "reference_received",
            "acknowledged_at",
            "acknowledgement",
        ]
        read_only_fields = fields


class HashSetSerializer(CaseworkModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    case = serializers.CharField(source="case.number", read_only=True)
    exhibit_number = serializers.CharField(source="item.exhibit_number", read_only=True)
    item = serializers.UUIDField(source="item.public_id", read_only=True)

    class Meta:
        model = HashSet
        fields = [
            "id",
            "case",
            "item",
            "exhibit_number",
            "set_identifier",
            "store_reference",
            "algorithms",
            "counts",
            "total",
            "made_at",
            "manifest_sha256",
            "manifest_imported_at",
        ]
        read_only_fields = fields


class HashSetDetailSerializer(HashSetSerializer):
    sharings = SharingSerializer(many=True, read_only=True)

    class Meta(HashSetSerializer.Meta):
        fields = [*HashSetSerializer.Meta.fields, "sharings"]
        read_only_fields = fields


class HashSetInputSerializer(CaseworkSerializer):
    case = serializers.CharField(max_length=40, help_text="The case number.")
    exhibit_number = serializers.CharField(max_length=60, help_text="The seized item's exhibit.")
    set_identifier = serializers.CharField(max_length=120)
    store_reference = serializers.CharField(max_length=200)
    algorithms = serializers.ListField(
        child=serializers.ChoiceField(choices=SetAlgorithm.choices), required=False, max_length=5
    )
    made_at = serializers.DateTimeField()
    counts = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=2**31 - 1),
        required=False,
        help_text='Counts by category code, e.g. {"0": 1200, "1": 35}; or fill them from a '
        "VICS manifest afterwards.",
    )

    def validate_counts(self, value):
        if len(value) > 101:
            raise serializers.ValidationError("At most 101 categories.")
        return value


class SharingInputSerializer(CaseworkSerializer):
    destination = serializers.ChoiceField(choices=Destination.choices)
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        required=False,
        allow_null=True,
        help_text="The partner directory's agency id (another agency, a Project VIC–style "
        "partner).",
    )
    shared_at = serializers.DateTimeField()
    reference_received = serializers.CharField(max_length=120, required=False, allow_blank=True)


class AcknowledgementInputSerializer(CaseworkSerializer):
    acknowledged_at = serializers.DateTimeField()
    acknowledgement = serializers.CharField(max_length=300)
    reference_received = serializers.CharField(max_length=120, required=False, allow_blank=True)


# --- the manifest body ---------------------------------------------------------------------


class ManifestBodyParser(BaseParser):
    """The body as bytes, read up to one byte past the cap (the service refuses a larger one
    with a located error; nothing beyond that is held in memory)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return b""
        return stream.read(MAX_BYTES + 1)


# --- views ---------------------------------------------------------------------------------


class RegisterFilter(QueryFilterSet):
    case = TextFilter(max_length=40, help_text="Only this case (its number)")
    destination = ChoiceFilter(choices=Destination.values)
    state = ChoiceFilter(
        choices=[
            selectors.RegisterState.NOT_SUBMITTED,
            selectors.RegisterState.AWAITING_ACKNOWLEDGEMENT,
        ]
    )

    class Meta:
        model = HashSet
        fields: list[str] = []


class RegisterPagination(BasePagination):
    """The register's own keyset on (made_at, id), shared with the web page: ``after`` is the
    ``next`` of the previous page, a plain token rather than a URL."""

    def paginate_queryset(self, queryset, request, view=None):
        after = query_text(request.query_params, "after", max_length=80)
        page, self.next_cursor = selectors.hash_set_register_page(queryset, after=after)
        return page

    def get_paginated_response(self, data):
        return Response({"next": self.next_cursor, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "properties": {"next": {"type": "string"}, "results": schema},
            "required": ["next", "results"],
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "after",
                "in": "query",
                "required": False,
                "description": "The `next` of the previous page",
                "schema": {"type": "string"},
            }
        ]


class RegisterView(SelectorListView):
    """The register of the cases you can see, newest first, one keyset page at a time."""

    serializer_class = HashSetSerializer
    pagination_class = RegisterPagination
    filterset_class = RegisterFilter

    def select(self, *, user, case, **filters):
        return selectors.hash_sets_filtered(
            user=user, filters=selectors.RegisterFilters(case_number=case, **filters)
        )

    @extend_schema(request=HashSetInputSerializer, responses={201: HashSetDetailSerializer})
    def post(self, request):
        data = HashSetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case = case_get_for(user=request.user, number=values.pop("case"))
        exhibit = values.pop("exhibit_number")
        item = EvidenceItem.objects.filter(case=case, exhibit_number=exhibit).first()
        if item is None:
            raise DomainError(f"No exhibit {exhibit} on {case}.", field="exhibit_number")
        created = services.hash_set_create(actor=request.user, item=item, **values)
        hash_set = selectors.hash_set_get_for(
            user=request.user, public_id=created.public_id, audit=False
        )
        return Response(HashSetDetailSerializer(hash_set).data, status=status.HTTP_201_CREATED)


class HashSetDetailView(APIView):
    """One set with its sharings (the view is audited)."""

    @extend_schema(responses=HashSetDetailSerializer)
    def get(self, request, public_id):
        hash_set = selectors.hash_set_get_for(user=request.user, public_id=public_id)
        return Response(HashSetDetailSerializer(hash_set).data)


class ManifestView(APIView):
    """Fill a set's counts from a VICS manifest sent as the JSON body.

    Refused whole (400, problem details whose errors give each field as ``value[3].Thumbnail``
    and the line in the message) if the body is not JSON, carries media or thumbnails, or has
    a malformed hash."""

    parser_classes = [ManifestBodyParser]

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT}, responses={200: HashSetSerializer}
    )
    def post(self, request, public_id):
        hash_set = selectors.hash_set_get_for(user=request.user, public_id=public_id, audit=False)
        raw = request.data if isinstance(request.data, bytes) else b""
        if not raw:
            raise services.manifest_error(
                ManifestRefused([ManifestProblem(1, "manifest", "not JSON: the body is empty.")])
            )
        updated = services.hash_set_manifest_import(
            actor=request.user, hash_set=hash_set, raw=raw, source="api"
        )
        return Response(HashSetSerializer(updated).data)


class SharingListView(APIView):
    """Record that the set was shared (201); the answer says which clocks moved."""

    @extend_schema(request=SharingInputSerializer, responses={201: SharingSerializer})
    def post(self, request, public_id):
        hash_set = selectors.hash_set_get_for(user=request.user, public_id=public_id, audit=False)
        data = SharingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sharing = services.hash_set_share(
            actor=request.user, hash_set=hash_set, **data.validated_data
        )
        return Response(SharingSerializer(sharing).data, status=status.HTTP_201_CREATED)


class AcknowledgementView(APIView):
    """Record the receiver's acknowledgement of a sharing (once)."""

    @extend_schema(request=AcknowledgementInputSerializer, responses=SharingSerializer)
    def post(self, request, public_id):
        sharing = selectors.sharing_get_for(user=request.user, public_id=public_id)
        data = AcknowledgementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.hash_set_sharing_acknowledge(
            actor=request.user, sharing=sharing, **data.validated_data
        )
        return Response(SharingSerializer(updated).data)
