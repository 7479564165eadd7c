"""The hash-set register in the browser: a set registered from the case page, a sharing with
its errors said at the top and at the field, the register, and the supervisor's figures.
Screenshots at 1,366 and 390 px land in test-artifacts/ for a person to look at."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.hashsets import services
from tests.cases.factories import make_case
from tests.custody.factories import make_item, make_store
from tests.e2e.conftest import sign_out
from tests.e2e.test_case_workspace import shoot_both
from tests.e2e.test_custody import _migrated_content  # noqa: F401 - autouse
from tests.e2e.test_layout import axe_findings
from tests.hashsets.factories import make_hash_set, share, vics_entry, vics_manifest
from tests.partners.factories import make_agency

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_investigator_registers_and_shares_a_set_and_the_supervisor_reads_the_figures(
    page, sign_in_as, investigator, supervisor, administrator
):
    case = make_case(lead=investigator, title="Synthetic case 0042")
    item = make_item(case=case, store=make_store(admin=administrator), actor=investigator)
    partner = make_agency(actor=administrator, name="Synthetic partner police")
    older = make_hash_set(item=item, actor=investigator, counts={"0": 120, "1": 8})
    share(hash_set=older, actor=investigator, destination="vic_partner", agency=partner)

    sign_in_as("inv.north")
    page.goto(f"/cases/{case.number}/")
    page.get_by_role("link", name="Register a hash set").click()
    page.get_by_label("Set id").fill("HS-E2E-0001")
    page.get_by_label("Evidence store reference").fill("DEMS-SET-000042")
    page.get_by_label("MD5").check()
    page.get_by_label("Made at (your time zone)").fill(_local(timezone.now() - timedelta(hours=2)))
    page.get_by_label("Counts by category").fill("0: 1200, 1: 35, uncategorised: 4")
    page.get_by_role("button", name="Register set").click()
    page.wait_for_load_state()
    assert "Hash set HS-E2E-0001 registered." in page.content()
    assert page.locator("input[type=file]").count() == 0
    assert axe_findings(page) == []
    shoot_both(page, "hash-set-detail")
    manifest = vics_manifest([vics_entry(n, n % 3) for n in range(1, 40)])
    services.hash_set_manifest_import(actor=investigator, hash_set=older, raw=manifest)
    page.goto(f"/hashsets/{older.public_id}/")
    assert older.set_identifier in page.content() and "SHA-256" in page.content()
    shoot_both(page, "hash-set-detail-manifest")
    page.go_back()

    page.get_by_role("link", name="Record a sharing").click()
    page.get_by_label("Another agency's database").check()
    page.get_by_label("Sent at (your time zone)").fill(_local(timezone.now() - timedelta(hours=1)))
    page.get_by_role("button", name="Record sharing").click()
    page.wait_for_load_state()
    message = "Name the receiving agency from the partner directory."
    assert page.get_by_text(message).count() == 2  # the summary at the top and the field
    shoot_both(page, "hash-set-sharing-errors")
    page.get_by_label("INTERPOL ICSE").check()
    page.get_by_label("Reference received back").fill("ICSE-SYN-0042")
    page.get_by_role("button", name="Record sharing").click()
    page.wait_for_load_state()
    assert "The submission clock of the exhibit is met." in page.content()

    page.goto("/hashsets/")
    assert page.get_by_role("link", name="HS-E2E-0001").is_visible()
    assert axe_findings(page) == []
    shoot_both(page, "hash-set-register")

    sign_out(page)
    sign_in_as("sup.north")
    page.goto("/oversight/hash-sets/")
    assert "Hash sets shared per destination" in page.content()
    assert axe_findings(page) == []
    shoot_both(page, "hash-set-figures")


def test_an_administrator_reads_the_figures_per_unit_on_a_laptop_and_a_phone(
    page, sign_in_as, investigator, outsider, administrator
):
    store = make_store(admin=administrator)
    for lead, title in ((investigator, "Synthetic case 0043"), (outsider, "Synthetic case 0044")):
        item = make_item(case=make_case(lead=lead, title=title), store=store, actor=lead)
        share(hash_set=make_hash_set(item=item, actor=lead), actor=lead, destination="icse")

    sign_in_as("admin")
    page.goto("/oversight/hash-sets/?shared=1")
    table = page.locator("#table-hash_set_submission")
    assert table.get_by_role("rowheader", name="North Unit").count() >= 1
    assert table.get_by_role("rowheader", name="South Unit").count() >= 1
    assert page.get_by_text("One row per unit that had a record in the period.").count() == 2
    assert axe_findings(page) == []
    shoot_both(page, "hash-set-figures-per-unit")
