"""Browser tests: Debian's Chromium driven by Playwright against a live Casework server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# A real OpenID provider for the single sign-on tests (tests/accounts/oidc_provider.py).
from tests.accounts.oidc_provider import group_mapping, provider, sso  # noqa: F401

# Playwright's sync API runs an event loop in the test thread; the ORM calls that fixtures make
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CASEWORK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run 'make test', which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    settings.CASEWORK_REQUIRE_2FA = False
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def sign_in_as(page):
    """Sign in through the real form, as a person would."""
    from tests.factories import TEST_PASSWORD

    def sign_in(username: str, password: str = TEST_PASSWORD) -> None:
        page.goto("/accounts/sign-in/")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return sign_in


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def go_to(page, label: str) -> None:
    """Follow an entry of the main navigation as a person would: open the menu button on a
    narrow screen, then the group the entry sits in, then the entry."""
    nav = page.get_by_role("navigation", name="Main")
    menu_button = page.get_by_role("button", name="Menu")
    if menu_button.is_visible():
        menu_button.click()
    link = nav.get_by_role("link", name=label, exact=True, include_hidden=True)
    if not link.is_visible():
        entry = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        group = nav.locator("li.usa-nav__primary-item").filter(has=entry)
        group.locator("button.usa-accordion__button").click()
    link.click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    """Sign out through the account menu of the header."""
    menu_button = page.get_by_role("button", name="Menu")
    if menu_button.is_visible():
        menu_button.click()
    page.get_by_role("button", name="Account:").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
