"""The API between installations: fetch our current set, push theirs, confirm a hit.

Only a partner installation's own service account (``PartnerInstallation.service_account``,
not revoked) gets an answer; anyone else, a person included, gets 404. The token says which
installation calls; the Ed25519 signature on what it sends says the set is theirs.
"""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.core.errors import DomainError

from . import selectors, services
from .choices import ExchangeChannel

MAX_SET_BYTES = 8 * 1024**3
SET_CONTENT_TYPE = "application/x-ndjson"


class RawSetParser(BaseParser):
    """Declares the content type; the view reads the stream itself (a set can be gigabytes)."""

    media_type = SET_CONTENT_TYPE

    def parse(self, stream, media_type=None, parser_context=None):  # pragma: no cover - unused
        return {}


def _spool(request) -> tempfile.SpooledTemporaryFile:
    # Returned open: the caller's ``with`` closes it.
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    stream = request.stream
    total = 0
    while stream is not None and (chunk := stream.read(1024 * 1024)):
        total += len(chunk)
        if total > MAX_SET_BYTES:
            spool.close()
            raise DomainError(f"A set is at most {MAX_SET_BYTES} bytes.", field="body", status=413)
        spool.write(chunk)
    spool.seek(0)
    return spool


class PointerSetView(APIView):
    parser_classes = [RawSetParser]

    @extend_schema(
        summary="Our current pointer set, signed (for a partner installation)",
        responses={(200, SET_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request):
        selectors.installation_of_caller(request.user)
        out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
        services.pointers_export(actor=request.user, out=out, channel=ExchangeChannel.API)
        out.seek(0)
        return FileResponse(out, content_type=SET_CONTENT_TYPE, filename="pointers.jsonl")

    @extend_schema(
        summary="Push the caller's pointer set; it replaces their previous one",
        request={SET_CONTENT_TYPE: OpenApiTypes.BINARY},
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        installation = selectors.installation_of_caller(request.user)
        with _spool(request) as spool:
            exchange = services.pointers_import(
                actor=request.user,
                source=spool,
                channel=ExchangeChannel.API,
                installation=installation,
            )
        return Response(
            {
                "received": exchange.pointer_count,
                "contacts": exchange.contact_count,
                "digest": exchange.digest,
            }
        )


class ConfirmationView(APIView):
    parser_classes = [RawSetParser]

    @extend_schema(
        summary="The caller confirms a hit on one of our handles (signed confirmation)",
        request={SET_CONTENT_TYPE: OpenApiTypes.BINARY},
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        installation = selectors.installation_of_caller(request.user)
        body = request.stream.read(16_384) if request.stream is not None else b""
        services.pointer_confirmation_receive(
            actor=request.user, installation=installation, message=body
        )
        return Response({"recorded": True})
