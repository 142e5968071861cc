"""axe-core finds nothing serious on the pages of teams and moderation: the members page,
an invitation, the review queue and a letter's review, the public report form (blank and
with its errors), a taken-down letter's notice, and a letter's comments."""

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from playwright.sync_api import Page, expect

from tests.conftest import ORIGIN, make_letter, signed_and_confirmed
from tests.e2e.test_pages_pass_axe import assert_nothing_serious
from undersigned.accounts.models import User
from undersigned.letters.models import Status
from undersigned.moderation.review import report_make, takedown
from undersigned.organisations.invitations import invitation_make
from undersigned.organisations.models import Organisation, Role

pytestmark = pytest.mark.browser

PASSWORD = "a long organiser password"  # the organiser fixture's


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")


def test_team_and_moderation_pages_pass_axe(
    page: Page, live_server: Any, organiser: User, organisation: Organisation
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    base = live_server.url
    moderator = User.objects.create_user("mod@platform.example", PASSWORD, is_moderator=True)
    for user in (organiser, moderator):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    public = make_letter(organisation, slug="drop-the-contract", ask_comment="optional")
    signed_and_confirmed(
        public, "ada@example.org", "Ada Lovelace", comment="Because <b>it</b> matters."
    )
    report_make(letter=public, reason="spam", note="Seen it three times.")
    in_review = make_letter(organisation, slug="in-review", publish=False)
    type(in_review).objects.filter(pk=in_review.pk).update(status=Status.IN_REVIEW)
    gone = make_letter(organisation, slug="gone")
    takedown(letter=gone, by=moderator, reason="hate")
    invitation_make(
        organisation=organisation, email="grace@uni.example", role=Role.EDITOR, by=organiser
    )

    [invited] = [m for m in mail.outbox if m.to == ["grace@uni.example"]]
    link = re.search(r"http://\S+(/invitations/\S+/)", str(invited.body))
    assert link, invited.body
    page.goto(base + link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Open Streets Alliance")
    assert_nothing_serious(page)

    # The public: the report form, blank and refused, and a taken-down letter's notice.
    page.goto(f"{base}/letters/{public.slug}/report/")
    assert_nothing_serious(page)
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_nothing_serious(page)
    page.goto(f"{base}/letters/gone/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Letter taken down")
    assert_nothing_serious(page)

    # The owner: the dashboard, the members page, the comments.
    page.context.clear_cookies()
    sign_in(page, base, organiser.email, PASSWORD)
    assert_nothing_serious(page)
    page.goto(f"{base}/dashboard/organisations/{organisation.slug}/members/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("members")
    assert_nothing_serious(page)
    page.goto(f"{base}/dashboard/letters/{public.slug}/comments/")
    assert_nothing_serious(page)

    # A platform moderator: the queue and a letter's review.
    page.context.clear_cookies()
    sign_in(page, base, moderator.email, PASSWORD)
    page.goto(f"{base}/dashboard/review/")
    assert_nothing_serious(page)
    for slug in (public.slug, "in-review"):
        page.goto(f"{base}/dashboard/review/letters/{slug}/")
        assert_nothing_serious(page)

    hosts = {urlsplit(url).netloc for url in requested if urlsplit(url).scheme.startswith("http")}
    assert hosts == {urlsplit(base).netloc}
    assert Client().get(f"/letters/{public.slug}/", HTTP_ORIGIN=ORIGIN).status_code == 200
