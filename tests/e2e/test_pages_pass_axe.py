"""axe-core finds nothing serious on the pages an organiser sees with a message at the
top, nor on the home and thank-you pages.

axe-core comes from PyPI (axe-playwright-python bundles axe.min.js) and is injected into
the page: nothing is fetched from anywhere but the live server.
"""

from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.conftest import make_letter
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.organisations.models import Organisation

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}
PASSWORD = "a long organiser password"


def violations(page: Page) -> list[dict[str, Any]]:
    return list(Axe().run(page).response["violations"])


def report(found: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in found
    )


def assert_nothing_serious(page: Page) -> None:
    found = violations(page)
    assert "listitem" not in {v["id"] for v in found}, report(found)
    serious = [v for v in found if v["impact"] in SERIOUS]
    assert serious == [], f"{page.url}:\n{report(found)}"


@pytest.fixture
def letter(organiser: User, organisation: Organisation) -> Letter:
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    return make_letter(organisation, slug="drop-the-contract", goal=100)


def test_organiser_pages_with_a_message_pass_axe(
    page: Page, live_server: Any, organiser: User, letter: Letter
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    messages = page.locator(".messages")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(organiser.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(messages).to_contain_text("Successfully signed in")
    expect(messages.get_by_role("status")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("Successfully signed in")
    assert_nothing_serious(page)

    page.goto(f"{live_server.url}/dashboard/letters/{letter.slug}/")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(messages).to_contain_text("Saved.")
    assert_nothing_serious(page)

    page.goto(f"{live_server.url}/dashboard/organisations/new/")
    page.get_by_label("Name").fill("Riders for Privacy")
    page.get_by_role("button", name="Create").click()
    expect(messages).to_contain_text("Riders for Privacy is ready")
    assert_nothing_serious(page)

    hosts = {urlsplit(url).netloc for url in requested if urlsplit(url).scheme.startswith("http")}
    assert hosts == {urlsplit(live_server.url).netloc}


def test_the_home_and_thank_you_pages_pass_axe(
    page: Page, live_server: Any, letter: Letter
) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.locator(".letter-card")).to_have_count(1)
    assert_nothing_serious(page)

    page.goto(f"{live_server.url}/letters/{letter.slug}/signed/")
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    assert_nothing_serious(page)


def test_the_privacy_pages_pass_axe(page: Page, live_server: Any, letter: Letter) -> None:
    for path, heading in [
        ("/my-data/", "erase"),
        ("/privacy/", "Privacy"),
        ("/what-we-keep/", "keep"),
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_nothing_serious(page)
    page.goto(f"{live_server.url}/letters/{letter.slug}/")
    page.get_by_label("Full name", exact=True).fill("Suzie Signer")  # the challenge starts
    assert_nothing_serious(page)
