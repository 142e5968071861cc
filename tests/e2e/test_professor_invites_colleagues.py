"""A professor invites two colleagues to draft a letter together: the owner invites an
editor and a viewer, each accepts from the email (one creating an account, one signing in
to theirs), the editor edits and publishes, the letter waits in review, a platform
moderator approves it, and the viewer cannot edit.

Every email goes over SMTP to a real relay on loopback."""

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from tests.conftest import make_letter, run_tasks
from tests.e2e.test_organiser_keeps_signers_informed import someone_else
from tests.mail import conftest as mail_relay
from undersigned.accounts.models import User
from undersigned.letters.models import Letter, Status
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Role

pytestmark = pytest.mark.browser

relay = mail_relay.relay

OWNER_PASSWORD = "the professor's long password"
EDITOR_PASSWORD = "the editor's own long password"
VIEWER_PASSWORD = "the viewer's long password"
MODERATOR_PASSWORD = "the moderator's long password"
TITLE = "We will not build autonomous weapons"
BETTER_TITLE = "Researchers' pledge: we will not build autonomous weapons"


def verified(email: str, password: str, **fields: Any) -> User:
    user = User.objects.create_user(email, password, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def link_to(relay: mail_relay.Relay, address: str, path: str) -> str:
    [delivery] = [d for d in relay.deliveries if address in d.rcpt_tos and path in d.part("plain")]
    match = re.search(rf"http://\S+{path}\S+/", delivery.part("plain"))
    assert match, delivery.part("plain")
    return match.group(0)


def invite(page: Page, email: str, role: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Role", exact=True).select_option(label=role)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text(email)


def test_a_professor_invites_two_colleagues_to_draft_a_letter_together(
    page: Page,
    browser: Browser,
    live_server: Any,
    settings: Any,
    relay: mail_relay.Relay,
) -> None:
    mail_relay.use_relay(settings, relay)
    settings.LETTERS_NEED_REVIEW = True
    base = live_server.url
    heading = page.get_by_role("heading", level=1)
    professor = verified("ines.moreau@uni.example", OWNER_PASSWORD, name="Ines Moreau")
    organisation = organisation_create(name="Researchers' Assembly", owner=professor)
    draft = make_letter(organisation, slug="no-autonomous-weapons", title=TITLE, publish=False)
    viewer = verified("hiro.tanaka@uni.example", VIEWER_PASSWORD, name="Hiro Tanaka")
    moderator = verified("rae@platform.example", MODERATOR_PASSWORD, is_moderator=True)

    # The professor invites an editor and a viewer from the members page.
    sign_in(page, base, professor.email, OWNER_PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.get_by_role("link", name="Members", exact=True).click()
    expect(heading).to_have_text("Researchers' Assembly: members")
    invite(page, "grace.kim@uni.example", "Editor")
    invite(page, viewer.email, "Viewer")
    open_invitations = page.get_by_role("region", name="Open invitations")
    expect(open_invitations).to_contain_text("grace.kim@uni.example")
    expect(open_invitations).to_contain_text(viewer.email)

    # Grace has no account: she creates one from the link, confirms her address, signs in
    # and comes back to the invitation, and accepts.
    invitation = link_to(relay, "grace.kim@uni.example", "/invitations/")
    with someone_else(browser) as grace:
        grace.goto(invitation)
        expect(grace.get_by_role("heading", level=1)).to_have_text("Join Researchers' Assembly")
        grace.locator("#main").get_by_role("link", name="Create an account").click()
        grace.get_by_label("Email", exact=True).fill("grace.kim@uni.example")
        grace.get_by_label("Password", exact=True).fill(EDITOR_PASSWORD)
        grace.get_by_label("Password (again)").fill(EDITOR_PASSWORD)
        grace.get_by_role("button", name="Create the account").click()
        expect(grace.get_by_role("heading", level=1)).to_have_text("Check your email")
        grace.goto(link_to(relay, "grace.kim@uni.example", "/accounts/confirm-email/"))
        grace.get_by_role("button", name="Confirm my address").click()
        sign_in(grace, base, "grace.kim@uni.example", EDITOR_PASSWORD)
        grace.wait_for_url("**/invitations/**")
        grace.get_by_role("button", name="Accept and join Researchers' Assembly").click()
        grace.wait_for_url("**/dashboard/")
        expect(grace.locator(".messages")).to_contain_text("You have joined Researchers' Assembly")

        # As editor she improves the letter and sends it for review.
        grace.get_by_role("row", name=TITLE).get_by_role("link", name="Edit").click()
        grace.get_by_label("Title", exact=True).fill(BETTER_TITLE)
        grace.get_by_role("button", name=re.compile("^Save")).first.click()
        grace.goto(f"{base}/dashboard/")
        grace.get_by_role("row", name=BETTER_TITLE).get_by_role(
            "button", name="Send for review"
        ).click()
        expect(grace.locator(".messages")).to_contain_text("is sent for review")
        expect(grace.get_by_text("Waiting for review by the platform's moderators")).to_be_visible()
    editor = User.objects.get(email="grace.kim@uni.example")
    assert Membership.objects.get(user=editor, organisation=organisation).role == Role.EDITOR
    draft.refresh_from_db()
    assert (draft.title, draft.status) == (BETTER_TITLE, Status.IN_REVIEW)
    assert Client().get(f"/letters/{draft.slug}/").status_code == 404

    # Hiro has an account: he signs in from the link and accepts.
    invitation = link_to(relay, viewer.email, "/invitations/")
    with someone_else(browser) as hiro:
        hiro.goto(invitation)
        hiro.locator("#main").get_by_role("link", name="Sign in").click()
        hiro.get_by_label("Email", exact=True).fill(viewer.email)
        hiro.get_by_label("Password", exact=True).fill(VIEWER_PASSWORD)
        hiro.get_by_role("button", name="Sign in").click()
        hiro.get_by_role("button", name="Accept and join Researchers' Assembly").click()
        hiro.wait_for_url("**/dashboard/")

        # The viewer reads the dashboard but cannot edit.
        row = hiro.get_by_role("row", name=BETTER_TITLE)
        expect(row).to_be_visible()
        expect(row.get_by_role("link", name="Edit")).to_have_count(0)
        response = hiro.goto(f"{base}/dashboard/letters/{draft.slug}/")
        assert response is not None and response.status == 403

    # A platform moderator approves it, and it opens.
    with someone_else(browser) as rae:
        sign_in(rae, base, moderator.email, MODERATOR_PASSWORD)
        rae.get_by_role("link", name="Review queue").click()
        rae.get_by_role("region", name="New letters in review (1)").get_by_role(
            "link", name=BETTER_TITLE
        ).click()
        rae.get_by_role("button", name="Approve: open it for signatures").click()
        expect(rae.locator(".messages")).to_contain_text("is approved and open for signatures")
    draft.refresh_from_db()
    assert draft.status == Status.OPEN
    assert Client().get(f"/letters/{draft.slug}/").status_code == 200

    # The owner and the editor are told; the viewer is not.
    run_tasks()
    told = [d for d in relay.deliveries if BETTER_TITLE in d.part("plain")]
    assert sorted(a for d in told for a in d.rcpt_tos) == sorted(
        [professor.email, "grace.kim@uni.example"]
    )
    assert Letter.objects.get(pk=draft.pk).review_note == ""
