"""Someone reports a letter that doxxes a person: the report reaches the platform
moderators' queue, a moderator takes the letter down, its page shows the notice, signing
is refused with a clear message, and everything the letter held is still there.

The organisers are told by email, over SMTP to a real relay on loopback, and appeal once
from their dashboard."""

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ORIGIN, make_letter, run_tasks, sign, signed_and_confirmed
from tests.e2e.test_organiser_keeps_signers_informed import someone_else
from tests.mail import conftest as mail_relay
from undersigned.accounts.models import User
from undersigned.letters.models import Letter, Status
from undersigned.moderation.models import Report, ReportState
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature, State

pytestmark = pytest.mark.browser

relay = mail_relay.relay

PASSWORD = "a long moderator password"
TITLE = "Tell the neighbours who lives at 14 Elm Row"
ADDRESS_IN_TEXT = "14 Elm Row, flat 3"


@pytest.fixture
def doxxing(organisation: Organisation) -> Letter:
    letter = make_letter(
        organisation,
        slug="who-lives-at-elm-row",
        title=TITLE,
        body=f"Everyone should know that J. Doe lives at {ADDRESS_IN_TEXT}.",
    )
    signed_and_confirmed(letter, "first@example.org", "First Signer")
    signed_and_confirmed(letter, "second@example.org", "Second Signer")
    return letter


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")


def test_someone_reports_a_letter_that_doxxes_a_person(
    page: Page,
    browser: Browser,
    live_server: Any,
    settings: Any,
    relay: mail_relay.Relay,
    organiser: User,
    doxxing: Letter,
) -> None:
    mail_relay.use_relay(settings, relay)
    base = live_server.url
    letter_url = f"{base}/letters/{doxxing.slug}/"
    moderator = User.objects.create_user("mod@platform.example", PASSWORD, is_moderator=True)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=moderator, email=moderator.email, verified=True, primary=True)
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)

    # A reader, with no account, reports it from its page.
    with someone_else(browser) as reader:
        reader.goto(letter_url)
        reader.get_by_role("link", name="Report this letter").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text(f"Report “{TITLE}”")
        reader.get_by_label("Personal data").check()
        reader.get_by_label("What should the moderators know?").fill(
            "It publishes a private person's home address."
        )
        reader.get_by_role("button", name="Send the report").click()
        expect(reader.get_by_role("status")).to_contain_text("Thank you")
    assert Report.objects.get().reason == "personal_data"

    # The platform's moderator finds it in the queue, reads it, and takes it down.
    sign_in(page, base, moderator.email, PASSWORD)
    page.get_by_role("link", name="Review queue").click()
    reported = page.get_by_role("region", name="Reported letters (1)")
    reported.get_by_role("link", name=TITLE).click()
    expect(page.get_by_text("It publishes a private person's home address.")).to_be_visible()
    expect(page.get_by_text(ADDRESS_IN_TEXT)).to_be_visible()
    page.get_by_label("Why it is taken down").select_option("personal_data")
    page.get_by_role("button", name="Take the letter down").click()
    expect(page.locator(".messages")).to_contain_text("is taken down")

    # The page shows the notice, and nothing of the letter.
    with someone_else(browser) as reader:
        response = reader.goto(letter_url)
        assert response is not None and response.status == 410
        expect(reader.get_by_role("heading", level=1)).to_have_text("Letter taken down")
        expect(reader.get_by_role("alert")).to_contain_text("Personal data")
        assert ADDRESS_IN_TEXT not in reader.content()
        assert "First Signer" not in reader.content()
        reader.goto(f"{letter_url}signatures/")
        assert "Second Signer" not in reader.content()

    # Signing is refused with a clear message.
    refused = sign(Client(), doxxing, email="late@example.org", name="Late Signer")
    assert refused.status_code == 410
    assert "It no longer takes signatures" in refused.content.decode()
    assert not Signature.objects.filter(name="Late Signer").exists()

    # The data is all still there.
    doxxing.refresh_from_db()
    assert doxxing.status == Status.OPEN and doxxing.taken_down_at is not None
    assert Signature.objects.filter(letter=doxxing, state=State.COUNTED).count() == 2
    assert Report.objects.get().state == ReportState.ACTED

    # The organiser is told by email, and sees it on the dashboard, where she may appeal.
    run_tasks()
    told = [d for d in relay.deliveries if organiser.email in d.rcpt_tos]
    assert len(told) == 1
    assert "Personal data" in told[0].part("plain")
    with someone_else(browser) as organiser_tab:
        sign_in(organiser_tab, base, organiser.email, "a long organiser password")
        expect(organiser_tab.get_by_role("alert").first).to_contain_text("Taken down")
        organiser_tab.get_by_label("Why the letter should be put back up").fill(
            "We will remove the address."
        )
        organiser_tab.get_by_role("button", name="Appeal").click()
        expect(organiser_tab.locator(".messages")).to_contain_text("Your appeal is sent")
        expect(organiser_tab.get_by_text("waiting for a decision")).to_be_visible()
    page.goto(f"{base}/dashboard/review/")
    expect(page.get_by_role("region", name="Appeals against a takedown (1)")).to_contain_text(TITLE)
    assert Client().get(f"/letters/{doxxing.slug}/", HTTP_ORIGIN=ORIGIN).status_code == 410
