"""A Spanish speaker meets a letter in Spanish: picked from the browser's language, read in
the organisers' Spanish translation, signed, confirmed from a Spanish email; they switch to
English and stay there; and the letter page is pictured in both languages at phone and
desktop widths, kept in test-artifacts/screenshots/."""

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.conftest import make_letter, run_tasks
from undersigned.letters.models import FieldRule, Letter, LetterTranslation
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = {"phone": 360, "desktop": 1280}
TITLE = "No face-recognition cameras on our trams"
TITULO = "Sin cámaras de reconocimiento facial en nuestros tranvías"


def es(text: str, context: str = "") -> str:
    """`text` as the Spanish pages say it; a string left in English fails the story."""
    with translation.override("es"):
        spanish = translation.pgettext(context, text) if context else translation.gettext(text)
    assert spanish != text, f"not translated: {text!r}"
    return spanish


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    letter = make_letter(
        organisation,
        slug="no-cameras-on-our-trams",
        title=TITLE,
        goal=100,
        ask_country=FieldRule.OPTIONAL,
        publish=False,
    )
    LetterTranslation.objects.create(
        letter=letter,
        language="es",
        title=TITULO,
        body="Pedimos a **Northwind** que abandone el contrato.",
        demands="Cancelar el contrato de las cámaras.",
    )
    from undersigned.letters.publishing import letter_publish

    letter_publish(letter=letter)
    return letter


@pytest.fixture
def spanish_page(browser: Any, live_server: Any, settings: Any) -> Any:
    settings.BASE_URL = live_server.url
    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.route("**/*", lambda route: route.continue_())
    yield tab
    context.close()


def test_a_spanish_speaker_reads_signs_and_confirms_in_spanish(
    spanish_page: Page, live_server: Any, letter: Letter
) -> None:
    page = spanish_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    heading = page.get_by_role("heading", level=1)

    page.goto(f"{live_server.url}/letters/{letter.slug}/")
    assert urlsplit(page.url).path == f"/es/letters/{letter.slug}/"
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(heading).to_have_text(TITULO)
    expect(page.get_by_role("heading", name=es("Add your name"))).to_be_visible()

    page.get_by_label(es("Full name"), exact=True).fill("Lucía Fernández")
    page.get_by_label(es("Email address"), exact=True).fill("lucia@example.org")
    page.get_by_label(es("My full name"), exact=True).check()
    page.get_by_role("button", name=es("Sign", "button that signs a letter"), exact=True).click()
    expect(heading).to_have_text(es("Check your email"))

    signature = Signature.objects.get(letter=letter)
    assert signature.language == "es"
    assert signature.letter_version.language == "es"
    assert signature.letter_version.title == TITULO

    run_tasks()
    [message] = mail.outbox
    assert message.subject.startswith(es("Confirm your signature"))
    link = re.search(r"http://\S+/es/confirm/\S+/", str(message.body))
    assert link, message.body

    page.goto(link.group(0))
    page.get_by_role("button", name=es("Confirm my signature")).click()
    expect(heading).to_have_text(es("Thank you, your signature counts"))

    others = {urlsplit(url).netloc for url in requested} - {urlsplit(live_server.url).netloc}
    assert others == set(), f"the pages loaded resources from {others}"


def test_the_switcher_takes_them_to_english_and_they_stay_there(
    spanish_page: Page, live_server: Any, letter: Letter
) -> None:
    page = spanish_page
    page.goto(f"{live_server.url}/letters/{letter.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITULO)
    languages = page.get_by_role("navigation", name=es("Language"), exact=True)
    languages.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert urlsplit(page.url).path == f"/letters/{letter.slug}/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # The browser still prefers Spanish; the choice is remembered.
    page.goto(f"{live_server.url}/letters/{letter.slug}/")
    assert urlsplit(page.url).path == f"/letters/{letter.slug}/"
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert list(cookies.values()) == ["en"], cookies  # the one cookie, holding only that


@pytest.mark.parametrize("device", WIDTHS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_letter_page_is_pictured_in_each_language(
    browser: Any, live_server: Any, letter: Letter, device: str, language: str
) -> None:
    context = browser.new_context(viewport={"width": WIDTHS[device], "height": 800})
    page = context.new_page()
    prefix = "" if language == "en" else f"/{language}"
    page.goto(f"{live_server.url}{prefix}/letters/{letter.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE if language == "en" else TITULO)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    picture = ARTIFACTS / f"letter-{language}-{device}.png"
    page.screenshot(path=picture, full_page=True)
    assert picture.stat().st_size > 10_000
    context.close()
