"""An organiser keeps her signers informed and delivers the letter: she publishes it, writes
to the signers who asked for news (and only to them), emails it to its target with the
signatures as the public sees them, and records the answer; the letter's page tells it all.

Every message goes over SMTP to a real relay on loopback, sent by the worker's own command
run in the test (run_tasks), as the other stories do.
"""

import io
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

import pypdf
import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import dateformat, timezone
from playwright.sync_api import Browser, Page, expect

from tests.conftest import make_letter, run_tasks, sign
from tests.mail import conftest as mail_relay
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.organisations.models import Organisation

pytestmark = pytest.mark.browser

relay = mail_relay.relay  # the loopback SMTP relay of the mail tests, for this story too

PASSWORD = "a long organiser password"  # the organiser fixture's
TITLE = "No face-recognition cameras on our trams"
TARGET = "Dana Whitfield, CEO, Northwind Systems"
TARGET_ADDRESS = "ceo-office@northwind.example"

# How each signs: name, address, how the name is shown, whether they ask for updates.
Signer = tuple[str, str, str, bool]
AMARA = ("Amara Okafor", "amara@example.org", "full", True)
JONAS = ("Jonas Weber", "jonas@example.net", "initials", True)  # unsubscribes later
LUCIA = ("Lucía Fernández", "lucia@example.com", "anonymous", False)
KENJI = ("Kenji Watanabe", "kenji@example.org", "full", True)  # withdraws

FIRST = ("The city council will vote on 12 March", "Come to the town hall at **six**.")
SECOND = ("Northwind has the letter on its desk", "Thank you for staying with us.")
ANSWER = "We are reviewing the contract and will answer the council by April."


@pytest.fixture
def letter(organiser: User, organisation: Organisation) -> Letter:
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    draft = make_letter(organisation, slug="no-cameras-on-our-trams", title=TITLE, publish=False)
    draft.targets.update(delivery_address=TARGET_ADDRESS)
    return draft


def messages_to(relay: mail_relay.Relay, address: str) -> list[mail_relay.Delivery]:
    return [delivery for delivery in relay.deliveries if address in delivery.rcpt_tos]


def link_in(delivery: mail_relay.Delivery, kind: str) -> str:
    match = re.search(rf"http://\S+/{kind}/\S+/", delivery.part("plain"))
    assert match, delivery.part("plain")
    return match.group(0)


def recipients_of(relay: mail_relay.Relay, subject: str) -> list[str]:
    """Who the relay received a message with this subject for, in order."""
    received = [d for d in relay.deliveries if d.message["Subject"] == subject]
    return [address for delivery in received for address in delivery.rcpt_tos]


@contextmanager
def someone_else(browser: Browser) -> Iterator[Page]:
    """A tab in a browser of its own: a signer's, with none of the organiser's cookies."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.route("**/*", lambda route: route.continue_())  # no HTTP cache, as in `page`
    try:
        yield tab
    finally:
        context.close()


def sign_in_the_browser(browser: Browser, letter_url: str, signer: Signer) -> None:
    name, address, _display, consents = signer
    with someone_else(browser) as tab:
        tab.goto(letter_url)
        tab.get_by_label("Full name", exact=True).fill(name)
        tab.get_by_label("Email address", exact=True).fill(address)
        tab.get_by_label("My full name", exact=True).check()
        if consents:
            tab.get_by_label("Yes, I would like to receive updates").check()
        tab.get_by_role("button", name="Sign", exact=True).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Check your email")


def sign_with_the_form(letter: Letter, signer: Signer) -> None:
    name, address, display, consents = signer
    response = sign(
        Client(),
        letter,
        name=name,
        email=address,
        display=display,
        consent_updates="on" if consents else None,
    )
    assert response.status_code == 302, response.content


def confirm_by_email(browser: Browser, relay: mail_relay.Relay, address: str) -> str:
    """Open the emailed link and press its button; the link to manage the signature."""
    run_tasks()
    [confirmation] = messages_to(relay, address)
    with someone_else(browser) as tab:
        tab.goto(link_in(confirmation, "confirm"))
        expect(tab.get_by_role("heading", level=1)).to_have_text("Confirm your signature")
        tab.get_by_role("button", name="Confirm my signature").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Thank you, your signature counts")
    return link_in(confirmation, "signature")


def write_and_send_an_update(
    page: Page, live_server: Any, subject: str, body: str, *, reach: int
) -> None:
    heading = page.get_by_role("heading", level=1)
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("row", name=TITLE).get_by_role("link", name="Updates", exact=True).click()
    expect(heading).to_have_text(f"Updates: {TITLE}")
    page.get_by_role("link", name="Write an update").click()
    expect(heading).to_have_text("A new update")
    page.get_by_label("Subject", exact=True).fill(subject)
    page.get_by_label("Message", exact=True).fill(body)
    page.get_by_role("button", name="Save and preview").click()

    expect(heading).to_have_text(subject)
    preview = page.get_by_role("region", name="As signers receive it")
    expect(preview.locator("pre")).to_contain_text(body)
    expect(preview.locator("pre")).to_contain_text("Unsubscribe from every update")
    send = page.get_by_role("region", name="Send it")
    addresses = "address" if reach == 1 else "addresses"
    expect(send).to_contain_text(f"It will go to {reach} {addresses}")
    send.get_by_role("button", name=f"Send to {reach} signer{'' if reach == 1 else 's'}").click()
    expect(page.locator(".messages")).to_contain_text("Sending.")
    run_tasks()
    page.reload()
    sending = page.get_by_role("region", name="Sending")
    expect(sending.locator("[data-progress=sent]")).to_have_text(str(reach))
    expect(sending).to_contain_text("finished")


def one_click_unsubscribe(message: EmailMessage) -> int:
    """What a mail client does with the headers (RFC 8058): a POST, no cookie, no token."""
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A long header is folded onto the next line; unfolded, it keeps the space before "<".
    header = re.fullmatch(r"<(https?://[^>]+)>", str(message["List-Unsubscribe"]).strip())
    assert header, message["List-Unsubscribe"]
    request = urllib.request.Request(
        header.group(1),
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def pdf_attached(message: EmailMessage) -> bytes:
    attached = message.iter_attachments()
    [pdf] = [part for part in attached if part.get_content_type() == "application/pdf"]
    data = pdf.get_content()
    assert isinstance(data, bytes)
    return data


def test_an_organiser_keeps_her_signers_informed_and_delivers_the_letter(
    page: Page,
    browser: Browser,
    live_server: Any,
    settings: Any,
    relay: mail_relay.Relay,
    organiser: User,
    letter: Letter,
) -> None:
    mail_relay.use_relay(settings, relay)
    letter_url = f"{live_server.url}/letters/{letter.slug}/"
    heading = page.get_by_role("heading", level=1)
    messages = page.locator(".messages")

    # She signs in and publishes the letter from her dashboard.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(organiser.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
    page.get_by_role("row", name=TITLE).get_by_role("button", name="Publish").click()
    expect(messages).to_contain_text(f"“{TITLE}” is published and open for signatures.")

    # Four people sign and confirm; one of them withdraws.
    sign_in_the_browser(browser, letter_url, AMARA)
    confirm_by_email(browser, relay, AMARA[1])
    for signer in (JONAS, LUCIA, KENJI):
        sign_with_the_form(letter, signer)
    for signer in (JONAS, LUCIA):
        confirm_by_email(browser, relay, signer[1])
    manage_link = confirm_by_email(browser, relay, KENJI[1])
    with someone_else(browser) as tab:
        tab.goto(manage_link)
        tab.get_by_role("button", name="Withdraw my signature").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Your signature is withdrawn")
    page.goto(letter_url)
    expect(page.locator(".count-number")).to_have_text("3")

    # Her first update reaches the two who asked for news and are still signed.
    write_and_send_an_update(page, live_server, *FIRST, reach=2)
    assert sorted(recipients_of(relay, FIRST[0])) == [AMARA[1], JONAS[1]]
    for address in (AMARA[1], JONAS[1]):
        [_confirmation, update] = messages_to(relay, address)
        assert update.message["Subject"] == FIRST[0]
        assert "Come to the town hall" in update.part("plain")

    # Jonas's mail client unsubscribes him with one click.
    [_confirmation, to_jonas] = messages_to(relay, JONAS[1])
    assert 200 <= one_click_unsubscribe(to_jonas.message) < 300

    # Her second update reaches Amara alone.
    write_and_send_an_update(page, live_server, *SECOND, reach=1)
    assert recipients_of(relay, SECOND[0]) == [AMARA[1]]

    # She emails the letter to its target, with the signatures as the public sees them.
    page.goto(f"{live_server.url}/dashboard/")
    row = page.get_by_role("row", name=TITLE)
    row.get_by_role("link", name="Delivery and responses").click()
    expect(heading).to_have_text(f"Delivery and responses: {TITLE}")
    deliver = page.get_by_role("region", name="Deliver the letter")
    deliver.get_by_label("Emailed to the targets from here").check()
    expect(deliver.get_by_label(f"{TARGET} — {TARGET_ADDRESS}")).to_be_checked()
    deliver.get_by_role("button", name="Deliver").click()
    expect(messages).to_contain_text("Delivery 1 is recorded")
    run_tasks()
    [delivered] = messages_to(relay, TARGET_ADDRESS)
    assert delivered.message["Subject"] == TITLE
    assert "3 signatures are in the attached PDF" in delivered.part("plain")
    reader = pypdf.PdfReader(io.BytesIO(pdf_attached(delivered.message)))
    text = " ".join(pdf_page.extract_text() for pdf_page in reader.pages)
    assert TITLE in text
    for shown in ("Amara Okafor", "J. W.", "Anonymous"):
        assert shown in text, (shown, text)
    for hidden in ("Jonas", "Weber", "Lucía", "Fernández", "Kenji", "Watanabe"):
        assert hidden not in text, (hidden, text)
    page.reload()
    deliveries = page.get_by_role("region", name="Deliveries")
    expect(deliveries).to_contain_text("Delivery 1 · Delivered · Emailed to the targets from here")
    expect(deliveries).to_contain_text(f"{TARGET}: sent")

    # She records the target's answer.
    page.get_by_role("link", name="Record a response").click()
    expect(heading).to_have_text("Record a response")
    page.get_by_label("Who answered").select_option(label=TARGET)
    today = timezone.localdate()
    page.get_by_label("When").fill(today.isoformat())
    page.get_by_label("What they said").fill(ANSWER)
    page.get_by_role("button", name="Publish the response").click()
    expect(heading).to_have_text("Tell your signers")

    # The letter's page tells the whole story, in order.
    page.goto(letter_url)
    expect(heading).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="Signing has closed")).to_be_visible()
    on = dateformat.format(today, "j F Y")
    delivered_line = f"Delivered to {TARGET} on {on} with 3 signatures"
    expect(page.locator(".count")).to_contain_text(delivered_line)
    story = page.get_by_role("region", name="The campaign so far")
    chapters = story.get_by_role("listitem")
    expect(chapters).to_have_count(4)
    expect(chapters.nth(0)).to_contain_text(f"Published by {letter.organisation.name}.")
    expect(chapters.nth(1)).to_contain_text(f"Update: {FIRST[0]}")
    expect(chapters.nth(2)).to_contain_text(f"Update: {SECOND[0]}")
    expect(chapters.nth(3)).to_contain_text(delivered_line)
    expect(chapters.nth(3)).to_contain_text(f"{TARGET} answered on {on}")
    expect(chapters.nth(3)).to_contain_text(ANSWER)
    pdf_link = chapters.nth(3).get_by_role("link", name="The letter as delivered (PDF)")
    href = pdf_link.get_attribute("href")
    assert href
    download = page.request.get(live_server.url + href if href.startswith("/") else href)
    assert download.ok and download.headers["content-type"] == "application/pdf"
    assert download.body().startswith(b"%PDF")
    updates = page.get_by_role("region", name="Updates")
    expect(updates.get_by_role("link", name=FIRST[0])).to_be_visible()
    expect(updates.get_by_role("link", name=SECOND[0])).to_be_visible()
