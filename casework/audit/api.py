"""The ledger's own API: the consistency proof, which carries hashes only, and the proof formats.

The trail's search and an event's inclusion proof depend on who may read which case, which the
ledger does not know: they are served by ``casework.oversight.trail_api`` under the same
``/api/v1/audit/`` paths (``casework.oversight.audit_api_urls`` mounts this view there too).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound as NotFoundError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.core.api import query_integer
from casework.core.errors import DomainError
from casework.core.serializers import CaseworkSerializer

from . import proofs


class InclusionProofSerializer(CaseworkSerializer):
    format = serializers.CharField(help_text=proofs.PROOF_FORMAT)
    event_id = serializers.IntegerField()
    leaf_index = serializers.IntegerField(help_text="the event's position in the Merkle tree")
    tree_size = serializers.IntegerField(help_text="the size of the signed checkpoint")
    event = serializers.CharField(help_text="the event's canonical bytes (RFC 8785), base64")
    inclusion_path = serializers.ListField(
        child=serializers.CharField(), help_text="RFC 9162 audit path, base64 hashes"
    )
    checkpoint = serializers.CharField(
        help_text="the signed checkpoint (C2SP signed note) with witness cosignatures"
    )
    event_json = serializers.DictField(help_text="a readable copy of ``event``; not hashed")


class ConsistencyProofSerializer(CaseworkSerializer):
    format = serializers.CharField(help_text=proofs.CONSISTENCY_FORMAT)
    old_size = serializers.IntegerField()
    new_size = serializers.IntegerField()
    old_root = serializers.CharField(help_text="the tree hash at old_size, base64 (informative)")
    consistency_path = serializers.ListField(
        child=serializers.CharField(), help_text="RFC 9162 consistency proof, base64 hashes"
    )
    new_checkpoint = serializers.CharField(help_text="the signed checkpoint of new_size")
    old_checkpoint = serializers.CharField(
        allow_null=True, help_text="the signed checkpoint of old_size, when one was signed"
    )


class ConsistencyProofView(APIView):
    """Proof that the log of ``old`` events is a prefix of the signed checkpoint of ``new``
    events (RFC 9162 consistency proof): carries an older proof forward to a newer checkpoint.
    Auditors, supervisors and investigators; others 404."""

    @extend_schema(
        parameters=[
            OpenApiParameter("old", int, required=True, description="the older tree size"),
            OpenApiParameter(
                "new", int, description="size of a signed checkpoint (default: the latest)"
            ),
        ],
        responses=ConsistencyProofSerializer,
    )
    def get(self, request):
        if not proofs.may_request_consistency(request.user):
            raise NotFoundError()
        old = query_integer(request.query_params, "old", minimum=0)
        if old is None:
            raise DomainError("Give the older tree size, e.g. old=1000.", field="old")
        new = query_integer(request.query_params, "new")
        return Response(
            proofs.consistency_proof_issue(actor=request.user, old_size=old, new_size=new)
        )
