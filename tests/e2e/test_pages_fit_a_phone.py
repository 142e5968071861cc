"""Every public page fits a phone 375 pixels wide: nothing makes it scroll sideways, not a
long address, a link, a text fingerprint or a table."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import FieldRule, Letter
from undersigned.letters.publishing import letter_text_changed
from undersigned.mail.models import OutboxMessage
from undersigned.organisations.models import Organisation

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}
LONG_LINK = "https://transparency.example.org/" + "contracts-for-biometric-analytics-" * 4 + ".pdf"
LONG_ADDRESS = "maximilian.featherstonehaugh-worthington@a-very-long-domain-name.example.org"
BODY = f"""\
Northwind Systems signed a contract to put face-recognition cameras on every tram.

The contract is published, in part, at {LONG_LINK} and nowhere else.

We, the undersigned, ask Northwind to **walk away from the contract**.
"""


@pytest.fixture
def phone(browser: Any, live_server: Any, settings: Any) -> Iterator[Page]:
    settings.BASE_URL = live_server.url
    settings.OUTBOX_PAGE_ENABLED = True
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    """A petition with a long link in its text, a long signatory, and three versions."""
    letter = make_letter(
        organisation,
        slug="no-cameras-on-our-trams",
        title="No face-recognition cameras on our trams, buses and stations",
        body=BODY,
        goal=100,
        ask_affiliation=FieldRule.OPTIONAL,
        ask_comment=FieldRule.OPTIONAL,
    )
    signed_and_confirmed(
        letter,
        "amara@example.org",
        "Amara Okafor-Featherstonehaugh-Worthington",
        affiliation="Internationale Vereinigung für Verkehrsüberwachungsverhinderung",
        comment=f"Read the contract yourself: {LONG_LINK}",
    )
    for n in range(1, 3):
        letter.body += f"\n\nAddendum {n}: see {LONG_LINK}?page={n}"
        letter.save()
        letter_text_changed(letter=letter)
    assert letter.versions.count() == 3
    return letter


@pytest.fixture
def outbox_message(db: None) -> OutboxMessage:
    return OutboxMessage.objects.create(
        to=LONG_ADDRESS,
        subject="Confirm your signature: No face-recognition cameras on our trams",
        body=f"Hello,\n\nOpen this link and press the button:\n\n{LONG_LINK}?token={'x' * 80}\n",
        message="",
    )


def sideways_scroll(page: Page) -> int:
    """How many pixels the page is wider than the window: 0 when it fits."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_every_public_page_fits_a_phone(
    phone: Page, live_server: Any, letter: Letter, outbox_message: OutboxMessage
) -> None:
    paths = [
        "/",
        f"/letters/{letter.slug}/",
        f"/letters/{letter.slug}/signatures/",
        f"/letters/{letter.slug}/versions/",
        f"/letters/{letter.slug}/signed/",
        "/outbox/",
        f"/outbox/{outbox_message.pk}/",
        "/what-we-keep/",
    ]
    too_wide = {}
    for path in paths:
        response = phone.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert phone.evaluate("window.innerWidth") == PHONE["width"]
        if overflow := sideways_scroll(phone):
            too_wide[path] = overflow
    assert too_wide == {}, f"pages wider than a phone, by so many pixels: {too_wide}"
