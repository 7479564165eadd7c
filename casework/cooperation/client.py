"""The client side of the exchange between installations: fetch a partner's set, push ours,
send a confirmation, each over the partner's API (docs/cooperation.md, "Synchronising").

Threat: a set fetched from someone pretending to be the partner, or read off the wire. The
connection is HTTPS with certificate and host-name checks (the standard library's default
context; plain HTTP only outside production, for a partner on the same machine in tests), and
what arrives is verified exactly as a file is: refused whole unless signed by a registered,
non-revoked key of *that* partner. The token we present says which installation calls; it is
read from ``CASEWORK_COOP_PARTNER_TOKENS_FILE`` and never logged or audited.

Redirects are not followed: urllib would hand our token to whatever host a redirect names (and
over plain HTTP); a partner that moved changes its address on *Partner keys*.

Failures never reach a person as a 500: each is logged, audited (``pointers.sync`` with outcome
*refused* and the reason) and reported to the caller (command line, beat task) as a
``SyncFailure``.
"""

from __future__ import annotations

import json
import logging
import ssl
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from casework.audit.choices import Outcome
from casework.audit.services import audit_record
from casework.core.errors import DomainError
from casework.partners.key_models import PartnerInstallation

from . import pointer_format as fmt
from . import services
from .choices import ExchangeChannel
from .models import PointerHit

logger = logging.getLogger(__name__)

POINTERS_PATH = "/api/v1/cooperation/pointers/"
CONFIRMATIONS_PATH = "/api/v1/cooperation/confirmations/"
SET_CONTENT_TYPE = "application/x-ndjson"
# A partner's set is at most what its API accepts from us (casework/cooperation/api.py).
MAX_SET_BYTES = 8 * 1024**3


class SyncFailure(Exception):
    """One exchange with one partner failed; ``retry`` when trying again later may help (the
    network, the partner's server), not when the partner refused what we sent or it is ours."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry


@dataclass(frozen=True)
class SyncResult:
    issuer: str
    received: int | None = None
    hits: int | None = None
    sent: int | None = None
    error: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx is raised as an HTTPError: "answered 302"


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        _NoRedirect, urllib.request.HTTPSHandler(context=ssl.create_default_context())
    )


def partner_token(issuer: str) -> str:
    """The API token we present to ``issuer``'s installation (``<issuer> <token>`` a line)."""
    path = settings.COOP_PARTNER_TOKENS_FILE
    if not path:
        return ""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise SyncFailure(f"The partner token file {path} cannot be read.") from None
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == issuer:
            return parts[1]
    return ""


def _address(installation: PartnerInstallation, path: str) -> str:
    if installation.is_revoked:
        raise SyncFailure(f"{installation.issuer} is revoked: nothing is exchanged with it.")
    base = (installation.url or "").rstrip("/")
    if not base:
        raise SyncFailure(f"{installation.issuer} has no API address on Partner keys.")
    production = getattr(settings, "DJANGO_ENV", "development") == "production"
    if not base.startswith("https://") and (production or not base.startswith("http://")):
        raise SyncFailure(f"{installation.issuer}'s API address must start with https://.")
    return base + path


def _request(
    installation: PartnerInstallation, path: str, *, method: str = "GET", data=None, length=None
):
    """Open one request to the partner's API (the caller closes the response)."""
    address = _address(installation, path)
    token = partner_token(installation.issuer)
    if not token:
        raise SyncFailure(
            f"No API token for {installation.issuer} in CASEWORK_COOP_PARTNER_TOKENS_FILE."
        )
    # Problem details come back as JSON: asking for the set's type alone is refused (406).
    headers = {
        "Authorization": f"Token {token}",
        "Accept": f"{SET_CONTENT_TYPE}, application/problem+json, application/json;q=0.9",
    }
    if data is not None:
        headers["Content-Type"] = SET_CONTENT_TYPE
    if length is not None:
        headers["Content-Length"] = str(length)
    request = urllib.request.Request(address, data=data, method=method, headers=headers)
    try:
        return _opener().open(request, timeout=settings.COOP_HTTP_TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        detail = _problem_text(error)
        error.close()
        # 5xx and 429: the partner's trouble, worth another try; 4xx: they refuse us.
        retry = error.code >= 500 or error.code == 429
        raise SyncFailure(
            f"{installation.issuer} answered {error.code}{': ' + detail if detail else ''}.",
            retry=retry,
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SyncFailure(
            f"{installation.issuer} cannot be reached ({reason}).", retry=True
        ) from None


def _problem_text(error: urllib.error.HTTPError) -> str:
    """The partner's problem ``detail`` (at most a line of it), never the whole body."""
    try:
        body = json.loads(error.read(4096).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, OSError):
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail)[:300] if detail else ""


def _audit_failure(*, installation: PartnerInstallation, step: str, reason: str) -> None:
    logger.warning("pointers sync with %s failed (%s): %s", installation.issuer, step, reason)
    with transaction.atomic():
        audit_record(
            actor=None,
            action="pointers.sync",
            target=installation,
            outcome=Outcome.REFUSED,
            details={"issuer": installation.issuer, "step": step, "reason": reason[:500]},
        )


def pointers_fetch(*, installation: PartnerInstallation):
    """Fetch the partner's current set from its API and import it (``pointers.import``,
    channel *api*): the same verification as a file, refused whole otherwise."""
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        # Downloaded first, outside any transaction: a slow partner holds no lock here.
        with _request(installation, POINTERS_PATH) as response:
            total = 0
            while chunk := response.read(1024 * 1024):
                total += len(chunk)
                if total > MAX_SET_BYTES:
                    raise SyncFailure(
                        f"{installation.issuer} sent more than {MAX_SET_BYTES} bytes."
                    )
                spool.write(chunk)
        spool.seek(0)
        try:
            return services.pointers_import(
                actor=None, source=spool, channel=ExchangeChannel.API, installation=installation
            )
        except fmt.PointerSetError as error:
            raise SyncFailure(f"Their set is refused: {error.located('set')}") from None
        except DomainError as error:
            raise SyncFailure(f"Their set is refused: {error.message}") from None


def pointers_push(*, installation: PartnerInstallation):
    """Export our current set (``pointers.export``, channel *api*) and send it to the partner."""
    with tempfile.TemporaryFile() as out:
        exchange = services.pointers_export(actor=None, out=out, channel=ExchangeChannel.API)
        length = out.tell()
        out.seek(0)
        with _request(installation, POINTERS_PATH, method="POST", data=out, length=length):
            pass
    return exchange


def pointers_sync(*, installation: PartnerInstallation | None = None) -> list[SyncResult]:
    """Fetch every partner's set and push ours (or only ``installation``'s): every partner
    with an API address that is not revoked. A failure with one partner is logged, audited and
    reported in its result; the others go ahead."""
    if installation is not None:
        partners = [installation]
    else:
        partners = list(
            PartnerInstallation.objects.filter(revoked_at__isnull=True)
            .exclude(url="")
            .select_related("agency")
            .order_by("issuer")
        )
    results = []
    for partner in partners:
        received = hits = sent = None
        step = "fetch"
        try:
            exchange = pointers_fetch(installation=partner)
            received, hits = exchange.pointer_count, exchange.hits
            step = "push"
            sent = pointers_push(installation=partner).pointer_count
        except SyncFailure as failure:
            _audit_failure(installation=partner, step=step, reason=failure.message)
            results.append(SyncResult(partner.issuer, received, hits, sent, failure.message))
            continue
        results.append(SyncResult(partner.issuer, received, hits, sent))
    return results


def confirmation_send(*, hit_id: int, last_attempt: bool = False) -> None:
    """Send our signed confirmation of a hit to the partner's installation. Raises
    ``SyncFailure``, audited when nothing will come of trying again (a refusal, or the
    ``last_attempt``)."""
    hit = PointerHit.objects.select_related("installation").get(pk=hit_id)
    message = services.confirmation_message(hit)
    try:
        with _request(
            hit.installation, CONFIRMATIONS_PATH, method="POST", data=message, length=len(message)
        ):
            pass
    except SyncFailure as failure:
        if last_attempt or not failure.retry:
            _audit_failure(installation=hit.installation, step="confirm", reason=failure.message)
        raise
