"""A supporter signs a petition: from the letter page, through the email, to the count."""

import os
import re
import shutil
import struct
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.conftest import make_letter, run_tasks
from undersigned.letters.models import FieldRule, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Level, Signature
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create

pytestmark = pytest.mark.browser

# `UNDERSIGNED_UPDATE_SCREENSHOTS=1 uv run pytest tests/e2e` refreshes the README's picture.
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-letter.png"

BODY = """\
Northwind Systems has signed a contract to put face-recognition cameras on every tram and
bus in the city. Nobody asked the people who ride them.

The cameras would record millions of journeys a year, keep them for five years and share
them with anyone who asks. No court has to agree first, and no rider can opt out.

We, the undersigned, ask Northwind to **walk away from the contract** and the city to
publish every agreement it has signed for surveillance on public transport.
"""

SUPPORTERS = [
    ("Amara Okafor", "full", "Ghana", "I take the 12 to work every day. Leave my face out of it."),
    ("Jonas Weber", "initials", "Germany", ""),
    ("Lucía Fernández", "full", "Spain", "Public transport should be public, not watched."),
    ("Kenji Watanabe", "full", "Japan", ""),
    ("Priya Raman", "anonymous", "India", ""),
]


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(
        organisation,
        slug="no-cameras-on-our-trams",
        title="No face-recognition cameras on our trams",
        body=BODY,
        demands="Cancel the camera contract.\nPublish every surveillance contract the city holds.",
        goal=100,
        ask_country=FieldRule.OPTIONAL,
        ask_comment=FieldRule.OPTIONAL,
    )


def unlabelled_controls(page: Page) -> list[str]:
    """The names of the sign form's controls that no label describes."""
    return page.eval_on_selector_all(
        "form input:not([type=hidden]), form select, form textarea",
        "controls => controls.filter(c => c.labels.length === 0).map(c => c.name)",
    )


def test_a_supporter_signs_a_petition(
    page: Page, live_server: Any, letter: Letter, tmp_path: Path
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    letter_url = f"{live_server.url}/letters/{letter.slug}/"
    heading = page.get_by_role("heading", level=1)
    count = page.locator(".count-number")

    page.goto(letter_url)
    expect(heading).to_have_text("No face-recognition cameras on our trams")
    expect(page.locator(".targets")).to_contain_text("Dana Whitfield, CEO, Northwind Systems")
    expect(count).to_have_text("0")
    expect(page.locator(".recent")).to_contain_text("Be the first to sign.")

    assert unlabelled_controls(page) == []
    page.get_by_label("Full name", exact=True).fill("Suzie Signer")
    page.get_by_label("Email address", exact=True).fill("suzie@example.org")
    page.get_by_label("Country (optional)", exact=True).fill("Ireland")
    page.get_by_label("My full name", exact=True).check()
    consent = page.get_by_label("Yes, I would like to receive updates")
    consent.focus()
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    page.get_by_role("button", name="Sign", exact=True).focus()
    page.keyboard.press("Enter")

    expect(heading).to_have_text("Check your email")
    signature = Signature.objects.get(letter=letter)
    assert (signature.name, signature.country, signature.consent_updates) == (
        "Suzie Signer",
        "Ireland",
        True,
    )

    run_tasks()
    [message] = mail.outbox
    assert message.to == ["suzie@example.org"]
    link = re.search(r"http://\S+/confirm/\S+/", str(message.body))
    assert link, message.body
    assert link.group(0).startswith(f"{live_server.url}/confirm/")

    page.goto(link.group(0))
    expect(heading).to_have_text("Confirm your signature")
    signature.refresh_from_db()
    assert signature.level == Level.PENDING  # opening the link alone confirms nothing

    page.get_by_role("button", name="Confirm my signature").click()
    expect(heading).to_have_text("Thank you, your signature counts")
    signature.refresh_from_db()
    assert signature.level == Level.CONFIRMED

    page.get_by_role("link", name="Back to the letter").click()
    expect(heading).to_have_text("No face-recognition cameras on our trams")
    expect(count).to_have_text("1")
    expect(page.locator(".recent")).to_contain_text("Suzie Signer")

    others = {urlsplit(url).netloc for url in requested} - {urlsplit(live_server.url).netloc}
    assert others == set(), f"the pages loaded resources from {others}"

    for number, (name, display, country, comment) in enumerate(SUPPORTERS):
        supporter = signature_create(
            letter=letter,
            data=SignatureInput(
                name=name,
                email=f"supporter{number}@example.net",
                display=display,
                consent_updates=False,
                details={"country": country, "comment": comment},
            ),
        )
        signature_confirm(signature_id=supporter.pk)
    page.goto(letter_url)
    expect(count).to_have_text("6")
    expect(page.locator(".recent")).to_contain_text("J. W.")
    page.screenshot(path=tmp_path / "letter.png", full_page=True)
    assert png_width(tmp_path / "letter.png") == 1280
    if os.environ.get("UNDERSIGNED_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(tmp_path / "letter.png", SCREENSHOT)


def png_width(path: Path) -> int:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return int(struct.unpack(">I", header[16:20])[0])
