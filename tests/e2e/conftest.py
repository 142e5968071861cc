"""A real browser for the end-to-end stories: Debian's Chromium, driven by Playwright."""

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import skip_unless

CHROMIUM = "/usr/bin/chromium"
# Quiet and offline: no sign-in, no updates, no phoning home while a story runs.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    skip_unless(os.path.exists(CHROMIUM), f"the browser stories need Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while it is
    # started, and Django refuses database queries next to a running loop unless told.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Iterator[Any]:
    """A fresh browser tab on the live server, whose emails link back to that server."""
    settings.BASE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    # Letter pages may be cached for a second and a story moves faster than a person:
    # routing every request through Playwright turns the browser's HTTP cache off.
    tab.route("**/*", lambda route: route.continue_())
    yield tab
    context.close()
