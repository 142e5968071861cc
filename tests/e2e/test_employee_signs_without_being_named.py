"""An employee signs a letter to her own employer without being named, then withdraws."""

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from tests.conftest import make_letter, run_tasks
from undersigned.letters.models import Eligibility, FieldRule, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Level, Signature

pytestmark = pytest.mark.browser

HER_NAME = "Rosalind Achterberg-Mbeki"
WORK_ADDRESS = "r.achterberg@northwind.example"
PERSONAL_ADDRESS = "roz.at.home@example.net"


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(
        organisation,
        slug="northwind-workers",
        title="Northwind workers against the camera contract",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        allow_full_name=False,
        ask_department=FieldRule.OPTIONAL,
        ask_location=FieldRule.OPTIONAL,
        ask_country=FieldRule.OFF,
        ask_comment=FieldRule.OFF,
    )


def link_in(message: mail.EmailMessage, kind: str) -> str:
    match = re.search(rf"http://\S+/{kind}/\S+/", str(message.body))
    assert match, message.body
    return match.group(0)


def kept(page: Page, term: str) -> Locator:
    """What the manage page says we keep under one heading."""
    term_cell = page.locator("dl.kept dt", has_text=re.compile(f"^{term}$"))
    return term_cell.locator("xpath=following-sibling::dd[1]")


def test_an_employee_signs_without_being_named(
    page: Page, live_server: Any, letter: Letter
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    seen: list[str] = []  # every page she was shown, to search for her name afterwards
    letter_url = f"{live_server.url}/letters/{letter.slug}/"
    heading = page.get_by_role("heading", level=1)
    count_line = page.locator(".count-line")
    recent = page.locator(".recent")

    page.goto(letter_url)
    expect(heading).to_have_text("Northwind workers against the camera contract")
    expect(count_line).to_have_text("0 signatures · 0 verified employees")
    notice = page.get_by_role("region", name="Before you sign")
    expect(notice).to_contain_text("Your work address gets one email, to prove you work there")
    expect(notice).to_contain_text("and never another")
    expect(notice).to_contain_text("never an address")
    notice.get_by_role("link", name="What we keep about you").click()
    expect(heading).to_have_text("What we keep about you")
    page.go_back()

    page.get_by_label("Your name", exact=True).fill(HER_NAME)
    page.get_by_label("Work address", exact=True).fill(WORK_ADDRESS)
    page.get_by_label("Personal address (optional)").fill(PERSONAL_ADDRESS)
    page.get_by_label("Team or department (public)").fill("Engineering")
    page.get_by_label("City or site (public)").fill("Seattle")
    page.get_by_label("Not at all (anonymous)").check()
    page.get_by_label("Yes, I would like to receive updates").check()
    page.get_by_role("button", name="Sign", exact=True).click()

    expect(heading).to_have_text("Check your email")
    seen.append(page.content())
    signature = Signature.objects.get(letter=letter)
    assert (signature.name, signature.department, signature.location) == (
        "",
        "Engineering",
        "Seattle",
    )

    run_tasks()
    [message] = mail.outbox
    assert message.to == [WORK_ADDRESS]
    confirm_link = link_in(message, "confirm")
    assert "/signature/" not in message.body  # no way to withdraw from the work mailbox
    assert confirm_link.startswith(f"{live_server.url}/confirm/")

    page.goto(confirm_link)
    expect(heading).to_have_text("Confirm your signature")
    expect(page.locator("main")).to_contain_text("shown as Anonymous")
    seen.append(page.content())
    page.get_by_role("button", name="Confirm my signature").click()
    expect(heading).to_have_text("Thank you, your signature counts")
    expect(page.locator("main")).to_contain_text("Verified employee")
    seen.append(page.content())
    signature.refresh_from_db()
    assert (signature.level, signature.email) == (Level.VERIFIED, "")
    run_tasks()
    [_, at_home] = mail.outbox
    assert at_home.to == [PERSONAL_ADDRESS]
    manage_link = link_in(at_home, "signature")

    page.get_by_role("link", name="Back to the letter").click()
    expect(heading).to_have_text("Northwind workers against the camera contract")
    expect(count_line).to_have_text("1 signature · 1 verified employee")
    entry = recent.locator(".signature")
    expect(entry).to_have_count(1)
    expect(entry).to_have_text("Anonymous · Verified employee · Engineering · Seattle")
    seen.append(page.content())

    page.goto(manage_link)
    expect(heading).to_contain_text("Your signature on")
    expect(kept(page, "Name we keep")).to_have_text("none")
    expect(kept(page, "Address you signed with")).to_contain_text("Not kept")
    seen.append(page.content())
    page.get_by_role("button", name="Withdraw my signature").click()
    expect(heading).to_have_text("Your signature is withdrawn")
    seen.append(page.content())
    assert not Signature.objects.filter(letter=letter).exists()

    page.goto(letter_url)
    expect(count_line).to_have_text("0 signatures · 0 verified employees")
    expect(recent.locator(".signature")).to_have_count(0)
    expect(recent).to_contain_text("Be the first to sign.")
    seen.append(page.content())

    others = {urlsplit(url).netloc for url in requested} - {urlsplit(live_server.url).netloc}
    assert others == set(), f"the pages loaded resources from {others}"
    for part in (HER_NAME, *HER_NAME.replace("-", " ").split()):
        assert [html for html in seen if part in html] == [], part
    assert all(WORK_ADDRESS not in html for html in seen)
