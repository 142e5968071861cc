"""A supporter who just signed copies the letter's address to pass it on, with JavaScript
or without it."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import make_letter
from undersigned.letters.models import Letter
from undersigned.organisations.models import Organisation

pytestmark = pytest.mark.browser


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(organisation, slug="no-cameras-on-our-trams")


def test_a_supporter_copies_the_letters_address(
    page: Page, live_server: Any, letter: Letter
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/letters/{letter.slug}/signed/")
    address = f"{live_server.url}/letters/{letter.slug}/"

    field = page.get_by_label("The letter's address")
    expect(field).to_have_value(address)
    page.get_by_role("button", name="Copy").click()

    expect(page.get_by_role("status")).to_have_text("Copied the address.")
    assert page.evaluate("navigator.clipboard.readText()") == address


def test_without_javascript_the_address_is_there_to_select(
    browser: Any, live_server: Any, letter: Letter, settings: Any
) -> None:
    settings.BASE_URL = live_server.url
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/letters/{letter.slug}/signed/")

    field = page.get_by_label("The letter's address")
    expect(field).to_have_value(f"{live_server.url}/letters/{letter.slug}/")
    expect(field).to_have_attribute("readonly", "")
    # A button that could do nothing stays out of the way.
    expect(page.get_by_role("button", name="Copy")).to_be_hidden()
    expect(page.locator(".share-links a")).to_have_count(7)
    context.close()
