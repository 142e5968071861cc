"""An owner connects their CRM, in a real browser: the webhooks page, the form (blank and
sent back with errors), the endpoint's page with its secret, a test sent and its line in
the log; each passes axe-core and fits a phone's width."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from tests.conftest import run_tasks
from tests.e2e.test_pages_pass_axe import assert_nothing_serious
from tests.e2e.test_team_pages_pass_axe import sign_in
from tests.webhooks.conftest import Receiver, signature_valid
from undersigned.accounts.models import User
from undersigned.organisations.models import Organisation
from undersigned.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.browser

PASSWORD = "a long organiser password"  # the organiser fixture's
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
# What sticks out past the window, for the message of a page that does not fit.
WIDE = """[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => `${e.tagName}.${e.className}`)"""


def checked(page: Page) -> None:
    """Nothing serious for axe, at a desktop's width and at a phone's."""
    assert_nothing_serious(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate(FITS), (page.url, page.evaluate(WIDE))
    page.set_viewport_size({"width": 1280, "height": 800})


def test_an_owner_connects_their_crm_and_sends_a_test(
    page: Page,
    live_server: Any,
    organiser: User,
    organisation: Organisation,
    receiver: Receiver,
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    base = live_server.url
    sign_in(page, base, organiser.email, PASSWORD)

    page.goto(f"{base}/dashboard/organisations/{organisation.slug}/webhooks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open Streets Alliance: webhooks")
    checked(page)
    page.get_by_role("link", name="Add an endpoint").click()
    checked(page)

    page.get_by_label("Address").fill("ftp://crm.example/hook")
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.get_by_role("alert")).to_be_visible()
    checked(page)

    page.get_by_label("Address").fill(receiver.url)
    page.get_by_label("Description").fill("Our CRM")
    page.get_by_label("A target's answer was recorded").uncheck()
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook to 127.0.0.1")
    endpoint = WebhookEndpoint.objects.get()
    assert "answer.recorded" not in endpoint.events
    page.get_by_text("Show the secret").click()
    expect(page.get_by_text(endpoint.secret)).to_be_visible()
    checked(page)

    page.get_by_role("button", name="Send a test").click()
    expect(page.get_by_role("status")).to_contain_text("A test is on its way")
    run_tasks()
    page.reload()
    expect(page.get_by_role("cell", name="Delivered")).to_be_visible()
    page.get_by_text("Body", exact=True).click()
    checked(page)
    [ping] = receiver.received
    assert signature_valid(ping, endpoint.secret)

    page.goto(f"{base}/dashboard/organisations/{organisation.slug}/webhooks/{endpoint.pk}/edit/")
    checked(page)
    page.get_by_role("button", name="Remove the endpoint to 127.0.0.1").click()
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    assert not WebhookEndpoint.objects.exists()
    assert [url for url in requested if not url.startswith(base)] == []
