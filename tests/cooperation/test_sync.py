"""Fetching and pushing sets over a partner's API when things go wrong: the partner is down,
answers an error, sends a tampered set, or we hold no token for it. Each failure is a sentence
on the command line and an audited, logged event, never a traceback; nothing is imported.

The partner here is a small HTTP server in a thread answering what each test tells it to."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from casework.audit.models import AuditEvent
from casework.cases.services import case_identifier_add
from casework.cooperation import client, services, tasks
from casework.cooperation.models import PartnerPointer, PointerExchange, PointerHit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


class StubPartner(ThreadingHTTPServer):
    """Answers GET with ``self.answer`` (status, body) and records every request."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer: tuple[int, bytes] = (200, b"")
        self.location = ""
        self.requests: list[tuple[str, str, dict, bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        status, content = self.server.answer
        self.send_response(status)
        kind = "application/x-ndjson" if status == 200 else "application/problem+json"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(content)))
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:  # quiet test output
        pass


@pytest.fixture
def stub():
    server = StubPartner()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def linked(partner, stub, settings, tmp_path):
    """Our partner, reachable at the stub's address, with a token for it in our tokens file."""
    installation = partner.installation
    installation.url = stub.url
    installation.save()
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{partner.issuer} cwt_synthetic_token_0042\n")
    settings.COOP_PARTNER_TOKENS_FILE = str(tokens)
    return partner


def _failures() -> list[dict]:
    return [e.details for e in AuditEvent.objects.filter(action="pointers.sync")]


def test_it_fetches_a_partners_set_with_our_token_and_pushes_ours(
    linked, stub, shared_case, investigator
):
    case_identifier_add(actor=investigator, case=shared_case, kind="email", raw="a@example.com")
    stub.answer = (200, linked.set_bytes([("email", "a@example.com")]))
    call_command("pointers_sync", stdout=open(os.devnull, "w"))  # noqa: SIM115
    (get, get_path, get_headers, _), (post, _, post_headers, pushed) = stub.requests
    assert (get, post, get_path) == ("GET", "POST", "/api/v1/cooperation/pointers/")
    assert get_headers["Authorization"] == post_headers["Authorization"]
    assert get_headers["Authorization"] == "Token cwt_synthetic_token_0042"
    assert post_headers["Content-Type"] == "application/x-ndjson"
    # What we pushed is our signed set: header, contact, one pointer, signature; no value.
    assert pushed.count(b"\n") == 4 and b"a@example.com" not in pushed
    assert PointerHit.objects.get().case == shared_case
    assert set(PointerExchange.objects.values_list("direction", "channel")) == {
        ("received", "api"),
        ("sent", "api"),
    }


def test_a_tampered_set_from_the_api_is_refused_whole(linked, stub, sharing_north):
    good = linked.set_bytes([("email", "a@example.com"), ("email", "b@example.com")])
    stub.answer = (200, good.replace(b'"f":"', b'"f":"0', 1).replace(b'"}\n', b'"}\n', 1))
    with pytest.raises(CommandError, match=r"partner.casework.invalid: sync: .*refused: set:\d+"):
        call_command("pointers_sync", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not PartnerPointer.objects.exists()
    assert [request[0] for request in stub.requests] == ["GET"]  # nothing pushed after a refusal
    assert _failures()[0]["step"] == "fetch"


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    status=st.sampled_from([200, 204, 301, 400, 401, 403, 404, 406, 413, 429, 500, 502, 503]),
    body=st.one_of(
        st.binary(max_size=600),
        st.dictionaries(st.text(max_size=8), st.text(max_size=400), max_size=3).map(
            lambda problem: json.dumps(problem).encode()
        ),
    ),
)
def test_whatever_a_partner_answers_is_a_failure_in_words_or_an_intact_set(
    linked, stub, sharing_north, status, body
):
    stub.answer = (status, body)
    (result,) = client.pointers_sync()
    assert result.error and "\x00" not in result.error and len(result.error) < 1000
    assert not PartnerPointer.objects.exists()


def test_a_set_signed_by_another_key_is_refused(linked, stub, sharing_north):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stub.answer = (
        200,
        linked.set_bytes([("email", "a@example.com")], key=Ed25519PrivateKey.generate()),
    )
    results = client.pointers_sync()
    assert "No partner key with this id" in results[0].error
    assert not PartnerPointer.objects.exists()


def test_a_partner_that_is_down_is_logged_and_audited_not_a_traceback(
    linked, stub, caplog, sharing_north
):
    stub.answer = (503, json.dumps({"detail": "Maintenance until 06:00 UTC."}).encode())
    with pytest.raises(CommandError) as refused:
        call_command("pointers_sync")
    assert "answered 503: Maintenance until 06:00 UTC." in str(refused.value)
    assert "cwt_synthetic_token_0042" not in caplog.text
    event = AuditEvent.objects.get(action="pointers.sync")
    assert event.outcome == "refused" and event.details["step"] == "fetch"
    assert "cwt_" not in json.dumps(event.details)


def test_an_address_nobody_answers_is_a_sentence(linked, settings, sharing_north):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    installation = linked.installation
    installation.url = f"http://127.0.0.1:{port}"
    installation.save()
    settings.COOP_HTTP_TIMEOUT_SECONDS = 2
    (result,) = client.pointers_sync()
    assert "cannot be reached" in result.error


def test_a_redirect_is_not_followed_with_our_token(linked, stub, sharing_north):
    elsewhere = StubPartner()
    thread = threading.Thread(target=elsewhere.serve_forever, daemon=True)
    thread.start()
    try:
        stub.answer, stub.location = (302, b""), elsewhere.url + "/collect/"
        (result,) = client.pointers_sync()
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()
    assert "answered 302" in result.error
    assert elsewhere.requests == []


def test_without_a_token_nothing_is_sent(linked, stub, settings, tmp_path):
    settings.COOP_PARTNER_TOKENS_FILE = ""
    (result,) = client.pointers_sync()
    assert "No API token for partner.casework.invalid" in result.error
    assert stub.requests == []


def test_production_calls_partners_over_https_only(linked, stub, settings):
    settings.DJANGO_ENV = "production"
    (result,) = client.pointers_sync()
    assert "must start with https://" in result.error
    assert stub.requests == []


def test_partners_without_an_address_or_revoked_are_not_called(partner, administrator):
    assert client.pointers_sync() == []
    from casework.partners import key_services

    with pytest.raises(CommandError, match=f"--partner: no partner installation {10**9}"):
        call_command("pointers_sync", "--partner", str(10**9))
    key_services.partner_installation_revoke(
        actor=administrator, installation=partner.installation, reason="Agreement ended"
    )
    with pytest.raises(CommandError, match="is revoked"):
        call_command("pointers_sync", "--partner", str(partner.installation.pk))


@pytest.fixture
def confirmed_hit(linked, stub, shared_case, investigator):
    case_identifier_add(actor=investigator, case=shared_case, kind="email", raw="a@example.com")
    services.pointers_import(
        actor=None,
        source=__import__("io").BytesIO(linked.set_bytes([("email", "a@example.com")])),
        installation=linked.installation,
        channel="api",
    )
    hit = PointerHit.objects.get()
    return services.pointer_hit_confirm(
        actor=investigator, case_number=shared_case.number, hit_id=hit.pk
    )


def test_the_confirmation_task_posts_a_signed_confirmation(confirmed_hit, stub):
    stub.answer = (200, b'{"recorded": true}')
    tasks.send_confirmation.apply(args=[confirmed_hit.pk]).get()
    ((method, path, _, body),) = stub.requests
    assert (method, path) == ("POST", "/api/v1/cooperation/confirmations/")
    envelope = json.loads(body)
    assert envelope["confirmation"]["handle"] == confirmed_hit.partner_handle.hex
    assert envelope["signature"]


def test_a_refused_confirmation_is_audited_and_not_tried_again(confirmed_hit, stub):
    stub.answer = (404, b'{"detail": "We hold no hit for this pointer."}')
    result = tasks.send_confirmation.apply(args=[confirmed_hit.pk])
    assert result.successful() and len(stub.requests) == 1
    assert _failures()[0]["step"] == "confirm"


def test_a_confirmation_to_a_partner_that_is_down_is_tried_again_then_audited(confirmed_hit, stub):
    stub.answer = (502, b"")
    # Eager here: the tries follow each other at once instead of over four hours.
    result = tasks.send_confirmation.apply(args=[confirmed_hit.pk])
    assert result.successful()
    assert len(stub.requests) == 1 + tasks.send_confirmation.max_retries
    (failure,) = _failures()
    assert failure["step"] == "confirm" and "answered 502" in failure["reason"]


@pytest.mark.parametrize(("minutes", "scheduled"), [("", False), ("0", False), ("15", True)])
def test_the_beat_entry_is_off_unless_configured(minutes, scheduled):
    probe = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "from django.conf import settings; "
        "entry = settings.CELERY_BEAT_SCHEDULE.get('pointers-sync'); "
        "print(entry and (entry['task'], entry['schedule'].total_seconds()))"
    )
    environment = {k: v for k, v in os.environ.items() if k != "CASEWORK_COOP_SYNC_MINUTES"}
    if minutes:
        environment["CASEWORK_COOP_SYNC_MINUTES"] = minutes
        environment["CASEWORK_COOP_PARTNER_TOKENS_FILE"] = "/nonexistent/partner-tokens"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    expected = "('casework.cooperation.sync', 900.0)" if scheduled else "None"
    assert done.stdout.strip() == expected


def _self_signed(tmp_path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 signed by nobody the system trusts."""
    from datetime import UTC, datetime, timedelta
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "partner.crt", tmp_path / "partner.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_a_partner_certificate_nobody_vouches_for_is_refused(linked, stub, tmp_path):
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp_path))
    stub.socket = context.wrap_socket(stub.socket, server_side=True)
    installation = linked.installation
    installation.url = stub.url.replace("http://", "https://")
    installation.save()
    (result,) = client.pointers_sync()
    assert "cannot be reached" in result.error and "CERTIFICATE_VERIFY_FAILED" in result.error
    assert stub.requests == []  # the token never left
