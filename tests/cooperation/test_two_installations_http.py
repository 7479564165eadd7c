"""Two installations exchanging over HTTP, as they do in production.

North is this test process, serving its API with pytest-django's live server (committed data:
the West process reads North's set through it); West is a second installation on its own
database, serving its API with ``runserver`` in a subprocess on a free port. Each fetches the
other's set over HTTP and pushes its own; a shared identifier matches on both sides; North's
confirmation, sent by the Celery task run by a real worker (filesystem broker, in a thread)
over HTTP, is recorded on both; once North revokes West,
West's fetch is refused and North does not call West any more.
"""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casework.accounts import service_accounts as sa
from casework.audit.models import AuditEvent
from casework.cases.services import case_identifier_add
from casework.cooperation import conf, services, tasks
from casework.cooperation.models import PartnerPointer, PointerExchange, PointerHit
from casework.partners import key_services
from casework.partners.models import Agency
from tests.celery_worker import real_worker

from .conftest import WEST_ISSUER

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]


SHARED = ("email", "shared_over_http_5521@example.com")
WEST_ONLY = ("screen_name", "west_only_http_7730")


def test_two_installations_exchange_and_confirm_over_http(
    west,
    live_server,
    settings,
    tmp_path,
    shared_case,
    investigator,
    administrator,
    monkeypatch,
):
    case_identifier_add(actor=investigator, case=shared_case, kind=SHARED[0], raw=SHARED[1])
    seeded = west("seed", json.dumps([list(SHARED), list(WEST_ONLY)]))
    west_url = west.serve()

    # North trusts West: its key, its API address, and the service account West calls us with.
    account, west_secret = sa.service_account_create(
        name="west-installation", role="auditor", unit=None, actor=administrator
    )
    agency = Agency.objects.create(name="Synthetic Police West", country="IE", kind="police")
    key_services.partner_installation_register(
        actor=administrator,
        agency=agency,
        issuer=WEST_ISSUER,
        public_key=seeded["public_key"],
        url=west_url,
        service_account=account.user,
    )
    west.tokens.write_text(f"{conf.issuer()} {west_secret}\n")
    # West trusts North the same way; the token it hands us goes into our tokens file.
    north_secret = west("trust", conf.issuer(), conf.public_key_base64(), live_server.url)["token"]
    tokens = tmp_path / "north-tokens"
    tokens.write_text(f"{WEST_ISSUER} {north_secret}\n")
    settings.COOP_PARTNER_TOKENS_FILE = str(tokens)

    # North fetches West's set and pushes its own; West does the same through North's API.
    call_command("pointers_sync", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert west("sync") == {"synced": True}

    hit = PointerHit.objects.get()
    assert hit.case == shared_case and hit.contact_name == "West Desk"
    assert west("hits")["hits"] == [
        {"case": seeded["case_number"], "contact": "North Desk", "agency": "Synthetic Police North"}
    ]
    received = PointerExchange.objects.filter(direction="received", channel="api")
    assert received.count() == 2  # fetched from West, then pushed by West
    assert PointerExchange.objects.filter(direction="sent", channel="api").count() == 2

    # North's lead confirms after the call; a real worker sends it to West over HTTP.
    queued: list[int] = []
    task_name = tasks.send_confirmation.name
    monkeypatch.setattr(tasks, "send_confirmation", SimpleNamespace(delay=queued.append))
    services.pointer_hit_confirm(actor=investigator, case_number=shared_case.number, hit_id=hit.pk)
    assert queued == [hit.pk]  # queued on commit
    with real_worker(tmp_path) as worker:
        worker.send_task(task_name, args=queued)
        deadline = time.monotonic() + 30
        while "partner_confirmed" not in west("hits")["hits"][0] and time.monotonic() < deadline:
            time.sleep(0.5)
    assert west("hits")["hits"][0]["partner_confirmed"] is True
    hit.refresh_from_db()
    assert hit.confirmed_at is not None

    # North revokes West: West's fetch of our set is refused (404), its pointers are gone here,
    # and our sync does not call it any more.
    key_services.partner_installation_revoke(
        actor=administrator, installation=agency.installation, reason="Agreement ended"
    )
    refused = west("sync")["refused"]
    assert "north.casework.invalid" in refused and "404" in refused
    assert not PartnerPointer.objects.exists()
    with pytest.raises(CommandError, match="revoked"):
        call_command("pointers_sync", "--partner", str(agency.installation.pk))
    assert AuditEvent.objects.filter(action="pointers.sync", outcome="refused").exists()
