"""Someone reading a letter's signatures page sees when and where people signed: the
chart and the map are drawn, each beside its table, nothing comes from another host, and
the page keeps to its Content-Security-Policy."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as site
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.accounts.models import User
from undersigned.letters.models import FieldRule, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}
COUNTRIES = {"France": 12, "Deutschland": 7, "Belgium": 2}


@pytest.fixture
def letter(organisation: Organisation, settings: Any) -> Letter:
    settings.AGGREGATE_CACHE_SECONDS = 0
    letter = make_letter(
        organisation,
        slug="no-cameras-on-our-trams",
        ask_country=FieldRule.OPTIONAL,
        ask_postal_code=FieldRule.OPTIONAL,
    )
    hours_ago = 0
    for country, count in COUNTRIES.items():
        for index in range(count):
            signature = signed_and_confirmed(
                letter,
                f"{country.lower()}{index}@example.org",
                country=country,
                postal_code=f"{75 + hours_ago}0{index:02}",
            )
            at = timezone.now() - timedelta(hours=hours_ago, minutes=index)
            Signature.objects.filter(pk=signature.pk).update(confirmed_at=at)
        hours_ago += 3
    return letter


def test_a_reader_sees_when_and_where_people_signed(
    page: Page, live_server: Any, letter: Letter
) -> None:
    requested: list[str] = []
    refused: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(f"{live_server.url}/letters/{letter.slug}/signatures/")

    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-label", "Signatures per hour")
    assert chart.locator(".bar rect").count() >= 3
    assert (chart.bounding_box() or {}).get("height", 0) > 100
    world = page.locator("svg.world-map")
    expect(world).to_be_visible()
    expect(world.locator("path.shade-small")).to_have_count(1)  # Belgium's two
    assert world.locator("path").count() > 150
    # The chart and the map are styled from our stylesheet: France is shaded, not black.
    france = world.locator("path", has=page.locator("title", has_text="France: 12"))
    assert france.evaluate("path => getComputedStyle(path).fill") != "rgb(0, 0, 0)"

    by_country = page.get_by_role("table", name="Signatures by country")
    expect(by_country).to_be_visible()
    expect(by_country.get_by_role("row", name="France 12")).to_be_visible()
    expect(by_country.get_by_role("row", name="Belgium fewer than 5")).to_be_visible()
    expect(page.get_by_role("table", name="Signatures per hour")).to_be_visible()
    expect(page.get_by_role("table", name="Signatures by the first 2 characters")).to_be_visible()

    hosts = {urlsplit(url).netloc for url in requested if url.startswith("http")}
    assert hosts == {urlsplit(live_server.url).netloc}, requested
    assert refused == []
    serious = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in SERIOUS]
    assert serious == []


def test_an_organiser_reads_the_letters_numbers(
    page: Page, live_server: Any, letter: Letter, organiser: User
) -> None:
    Signature.objects.filter(letter=letter, country="France").update(source="newsletter")
    client = Client()
    client.force_login(organiser)
    session = client.cookies[site.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": site.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name="Numbers").click()

    expect(page.get_by_role("heading", name="By referrer")).to_be_visible()
    expect(page.get_by_role("row", name="newsletter 12")).to_be_visible()
    expect(page.get_by_role("row", name="Belgium 2")).to_be_visible()  # exact, for them
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("svg.world-map")).to_be_visible()
    serious = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in SERIOUS]
    assert serious == []


def test_without_javascript_the_chart_and_the_map_are_still_there(
    browser: Any, live_server: Any, letter: Letter, settings: Any
) -> None:
    settings.BASE_URL = live_server.url
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    page.goto(f"{live_server.url}/letters/{letter.slug}/signatures/")

    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("svg.world-map")).to_be_visible()
    context.close()
