"""An owner finds the audit log from the dashboard, in a real browser, reads who published
the letter, narrows it to one action, and the page passes axe-core."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from tests.conftest import make_letter
from tests.e2e.conftest import browser, page  # noqa: F401  (the fixtures, for this story)
from tests.e2e.test_pages_pass_axe import PASSWORD, assert_nothing_serious
from undersigned.accounts.models import User
from undersigned.organisations.models import Organisation

pytestmark = pytest.mark.browser


def test_an_owner_reads_who_published_the_letter(
    page: Page,  # noqa: F811
    live_server: Any,
    organiser: User,
    organisation: Organisation,
) -> None:
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    make_letter(organisation, slug="drop-the-contract", title="Drop the contract", publish=False)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(organiser.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Publish").click()
    page.goto(f"{live_server.url}/dashboard/organisations/{organisation.slug}/settings/")
    page.get_by_label("Contact address").fill("hello@streets.example")
    page.get_by_role("button", name="Save", exact=True).click()

    page.get_by_role("link", name="Audit log").click()
    table = page.get_by_role("table", name="All entries")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two entries
    newest = table.get_by_role("row").nth(1)
    expect(newest).to_contain_text("organisation.settings")
    expect(newest).to_contain_text("fields: contact_email")
    expect(table.get_by_role("row").nth(2)).to_contain_text("letter.publish")
    expect(table.get_by_role("row").nth(2)).to_contain_text("Drop the contract")
    assert_nothing_serious(page)

    page.get_by_label("Action").select_option("letter.publish")
    page.get_by_role("button", name="Show").click()
    table = page.get_by_role("table", name="Entries for “letter.publish”")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).to_contain_text(organiser.email)
    assert_nothing_serious(page)
