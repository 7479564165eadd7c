"""The log over HTTP, as C2SP tlog-tiles serves it: checkpoint, hash tiles, verifier key.

What this reveals: the number of events and SHA-256 hashes of them and of their subtrees,
never an event's content (the entry bundles are not served; an event's bytes go only to those
who may read it, through the proof API). Who may read it is a setting (ADR 0004):
``CASEWORK_AUDIT_LOG_PUBLIC`` opens it to anyone, for an agency that publishes its log to
witnesses; by default it answers signed-in users and API tokens.

Reads here are not audit events: they carry no content, and a monitor fetching tiles every
minute would bury the trail. Proofs, which carry an event's bytes, are audited.

The witness endpoints (``/log/witness/...``) are open to anyone by design (tlog-witness): what
protects them is the partner log's signature on every checkpoint submitted.
"""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.views import APIView

from . import conf, keys, tree, witness

TEXT = "text/plain; charset=utf-8"
OCTETS = "application/octet-stream"
# A full tile never changes: cache it for a year. A partial one is also final for its width,
# but it stops being fetched once the full tile exists, so a client should look again soon.
FULL_TILE_CACHE = "max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "max-age=60"
CHECKPOINT_CACHE = "max-age=5, must-revalidate"
MAX_TILE_INDEX = (1 << 63) // tree.TILE_WIDTH


class LogReadAccess(BasePermission):
    """Anyone when the log is published, else signed-in users and API tokens."""

    def has_permission(self, request, view) -> bool:
        return conf.log_public() or bool(request.user and request.user.is_authenticated)


class AnyAccept(BaseContentNegotiation):
    """These answers are plain text or bytes whatever the client accepts (tlog clients send
    ``Accept`` headers of their own); errors are still problem details."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class LogView(APIView):
    permission_classes = [LogReadAccess]
    content_negotiation_class = AnyAccept
    schema = None  # not JSON: documented in docs/api.md and docs/audit.md

    def answer(self, body, content_type: str, cache: str) -> HttpResponse:
        response = HttpResponse(body, content_type=content_type)
        scope = "public" if conf.log_public() else "private"
        response["Cache-Control"] = f"{scope}, {cache}"
        if scope == "private":
            response["Vary"] = "Authorization, Cookie"
        response.cacheable_without_content = True  # see SecurityHeadersMiddleware
        return response


class CheckpointView(LogView):
    def get(self, request):
        checkpoint = witness.latest_signed_checkpoint()
        if checkpoint is None:
            return self.not_found("No checkpoint has been signed yet.")
        note = witness.checkpoint_note_with_cosignatures(checkpoint)
        return self.answer(note, TEXT, CHECKPOINT_CACHE)

    def not_found(self, text: str) -> HttpResponse:
        return HttpResponse(text + "\n", status=404, content_type=TEXT)


class KeyView(LogView):
    def get(self, request):
        return self.answer(keys.published_verifier_key() + "\n", TEXT, "max-age=3600")


class TileView(LogView):
    def get(self, request, level: str, index: str, width: str | None = None):
        number = _tile_index(index)
        if number is None or number >= MAX_TILE_INDEX:
            return HttpResponse("Not a tile path.\n", status=404, content_type=TEXT)
        count = int(width) if width else tree.TILE_WIDTH
        data = tree.tile(int(level), number, count)
        if data is None:
            return HttpResponse("No such tile (yet).\n", status=404, content_type=TEXT)
        return self.answer(data, OCTETS, PARTIAL_TILE_CACHE if width else FULL_TILE_CACHE)


def _tile_index(path: str) -> int | None:
    """``x001/x234/067`` -> 1234067; None unless written exactly as tlog-tiles writes it."""
    parts = path.split("/")
    digits = "".join(part.removeprefix("x") for part in parts)
    number = int(digits)
    return number if tile_path_index(number) == path else None


def tile_path_index(number: int) -> str:
    groups = []
    while True:
        groups.append(f"{number % 1000:03d}")
        number //= 1000
        if number == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{group}" for group in groups[:-1]), groups[-1]])


class WitnessAddCheckpointView(APIView):
    """``POST /log/witness/add-checkpoint`` (C2SP tlog-witness), open to any partner log."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    content_negotiation_class = AnyAccept
    schema = None

    def post(self, request):
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return HttpResponse("The body is not UTF-8.\n", status=400, content_type=TEXT)
        answer = witness.witness_checkpoint_add(body=body)
        return HttpResponse(answer.text, status=answer.status, content_type=answer.content_type)


class WitnessKeyView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    content_negotiation_class = AnyAccept
    schema = None

    def get(self, request):
        return HttpResponse(keys.witness_verifier_key() + "\n", content_type=TEXT)


class WitnessedCheckpointView(WitnessKeyView):
    """``GET /log/witness/<origin hash>/checkpoint``: the latest partner checkpoint cosigned."""

    def get(self, request, origin_hash: str):
        note = witness.witnessed_note(origin_hash)
        if note is None:
            return HttpResponse("No checkpoint cosigned for that log.\n", 404, content_type=TEXT)
        return HttpResponse(note, content_type=TEXT)
