from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from casework.custody import services
from tests.cases.factories import make_case
from tests.custody.factories import make_item, make_store
from tests.e2e.conftest import screenshot, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _migrated_content(live_server, transactional_db):
    # Playwright runs an event loop in this thread, so Django's connection here is not the one
    # that holds the serialized database: after an earlier transactional test flushed the
    # tables, nothing restores content types, permissions and rules. Re-run post_migrate then.
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    if not ContentType.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    ContentType.objects.clear_cache()


def test_an_investigator_hands_an_item_over_and_the_receiver_acknowledges(
    page, sign_in_as, investigator, teammate, administrator
):
    case = make_case(lead=investigator, assignees=[teammate], title="Synthetic case 0042")
    item = make_item(case=case, store=make_store(admin=administrator), actor=investigator)

    sign_in_as("inv.north")
    page.goto(f"/custody/cases/{case.number}/")
    page.get_by_role("link", name=item.exhibit_number).click()
    page.get_by_role("link", name="Record a custody event").click()
    page.get_by_label("Kind").select_option("transferred")
    local = timezone.localtime(timezone.now() - timedelta(hours=1))
    page.get_by_label("Start (local time)").fill(local.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone").fill(timezone.get_current_timezone_name())
    page.get_by_label("Released by").select_option(str(investigator.pk))
    page.get_by_label("Received by").select_option(str(teammate.pk))
    page.get_by_label("Seal state on receipt").select_option("intact")
    page.get_by_label("Place").fill("Synthetic property store")
    page.get_by_label("Reason for the transfer").fill("Synthetic hand-over for examination")
    page.get_by_role("button", name="Record event").click()
    chain = page.get_by_role("table", name=re.compile("Chain of custody"))
    assert "Transferred" in chain.inner_text()
    assert "Not acknowledged" in chain.inner_text()
    screenshot(page, "custody-item")

    sign_out(page)
    sign_in_as("inv2.north")
    page.goto("/custody/")
    page.get_by_role("button", name="I received it").first.click()
    page.wait_for_load_state()
    assert "You acknowledged event #2" in page.content()
    assert (
        "Not acknowledged"
        not in page.get_by_role("table", name=re.compile("Chain of custody")).inner_text()
    )


def test_a_hash_mismatch_is_flagged_on_the_page_and_in_the_printable_report(
    page, sign_in_as, investigator, supervisor, administrator
):
    case = make_case(lead=investigator, title="Synthetic case 0043")
    item = make_item(case=case, store=make_store(admin=administrator), actor=investigator)
    services.custody_event_record(
        actor=investigator,
        item=item,
        kind="hash_verified",
        started_at=timezone.now() - timedelta(hours=1),
        hash_algorithm="sha256",
        hash_value="0" * 64,
        tool_name="Synthetic hasher",
        tool_version="1.0",
    )
    sign_in_as("sup.north")
    page.goto("/custody/")
    assert page.get_by_role("img", name=re.compile("Hash mismatch")).count() == 1
    page.goto(f"/custody/items/{item.public_id}/report/")
    assert page.get_by_role("heading", name=re.compile("Custody report")).is_visible()
    assert "did not match" in page.content()
    screenshot(page, "custody-report")


def test_a_supervisor_downloads_the_court_bundle_and_it_verifies(
    page, sign_in_as, investigator, supervisor, administrator, settings, tmp_path
):
    import subprocess
    import sys

    from django.conf import settings as django_settings

    from casework.audit import keys

    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "keys" / "signing-key.pem")
    settings.AUDIT_SIGN_SECONDS = 0
    case = make_case(lead=investigator, title="Synthetic case 0043")
    make_item(case=case, store=make_store(admin=administrator), actor=investigator)
    sign_in_as("sup.north")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/custody/cases/{case.number}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"custody-court-bundle-{width}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download court bundle").click()
    download = download_info.value
    assert download.suggested_filename == f"{case.number}-court-bundle.zip"
    bundle = tmp_path / download.suggested_filename
    download.save_as(bundle)
    key = tmp_path / "log.key"
    key.write_text(keys.verifier_key() + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "casework.audit.verify", str(bundle), "--key", str(key)],
        capture_output=True,
        text=True,
        cwd=str(django_settings.BASE_DIR),
        env={"PATH": "", "PYTHONPATH": str(django_settings.BASE_DIR)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "VERIFIED" in result.stdout
    # The investigator on the case sees no button, and the address answers 404.
    sign_out(page)
    sign_in_as("inv.north")
    page.goto(f"/custody/cases/{case.number}/")
    assert page.get_by_role("link", name="Download court bundle").count() == 0
    assert page.request.get(f"/custody/cases/{case.number}/court-bundle.zip").status == 404
