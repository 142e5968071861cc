"""axe-core finds nothing serious on the pages of a campaign's life: the letter page that
tells its story, its updates and feed's page, one update, the unsubscribe page, and the
organiser's pages for updates, delivery and responses."""

from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import make_letter, run_tasks
from tests.e2e.test_pages_pass_axe import PASSWORD, assert_nothing_serious
from tests.updates.conftest import draft, signer
from undersigned.accounts.models import User
from undersigned.deliveries.delivering import delivery_start
from undersigned.deliveries.models import Method, Response
from undersigned.deliveries.responses import response_record
from undersigned.lib.email_address import email_key
from undersigned.organisations.models import Organisation
from undersigned.updates.emails import unsubscribe_url
from undersigned.updates.publishing import update_send

pytestmark = pytest.mark.browser


def test_campaign_pages_pass_axe(
    page: Page, live_server: Any, organiser: User, organisation: Organisation, settings: Any
) -> None:
    settings.UPDATE_SEND_RATE = 0
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    letter = make_letter(organisation, slug="drop-the-contract", goal=100)
    signer(letter, "ada@example.org", name="Ada Lovelace")
    update = draft(letter)
    update_send(update)
    unsent = draft(letter, subject="Next week")
    target = letter.targets.get()
    delivery_start(
        letter=letter,
        method=Method.MANUAL,
        targets=[target],
        closes_signing=False,
        by=organiser,
        how="by hand",
        delivered_on=timezone.localdate(),
    )
    run_tasks()
    response_record(
        letter=letter,
        response=Response(target=target, responded_on=timezone.localdate(), text="We will."),
        by=organiser,
    )

    public = [
        letter.get_absolute_url(),
        f"/letters/{letter.slug}/updates/",
        update.get_absolute_url(),
        urlsplit(unsubscribe_url(organisation.pk, email_key("ada@example.org"))).path,
    ]
    for path in public:
        page.goto(live_server.url + path)
        assert_nothing_serious(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Unsubscribe")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(organiser.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for path in [
        f"/dashboard/letters/{letter.slug}/updates/",
        f"/dashboard/letters/{letter.slug}/updates/new/",
        f"/dashboard/updates/{update.pk}/",
        f"/dashboard/updates/{unsent.pk}/",
        f"/dashboard/letters/{letter.slug}/deliveries/",
        f"/dashboard/letters/{letter.slug}/responses/new/",
    ]:
        page.goto(live_server.url + path)
        assert_nothing_serious(page)
