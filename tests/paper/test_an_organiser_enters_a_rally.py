"""Olu took sign-up sheets to a rally: he prints them, types the rows in with the keyboard
alone, corrects the one he got wrong, uploads a second pile as a CSV file, and removes a
batch entered twice. Each page passes axe-core and loads nothing from another host."""

from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from tests.e2e.conftest import browser, page  # noqa: F401  (the fixtures, for this story)
from tests.e2e.test_pages_pass_axe import assert_nothing_serious
from tests.paper.conftest import paper_path
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import Signature

pytestmark = pytest.mark.browser

PASSWORD = "a long organiser password"  # the organiser fixture's


def test_an_organiser_enters_a_rally_s_sheets(
    page: Page,  # noqa: F811
    live_server: Any,
    organiser: User,
    petition: Letter,
    tmp_path: Any,
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    base = live_server.url
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(organiser.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")

    page.goto(base + paper_path(petition.slug))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signatures on paper")
    assert_nothing_serious(page)
    with page.expect_response("**/sheet.pdf?pages=2") as sheet:
        page.get_by_label("Pages").fill("2")
        page.get_by_role("button", name="Print a sign-up sheet (PDF)").click()
    assert sheet.value.status == 200
    assert sheet.value.header_value("content-type") == "application/pdf"

    # The keyboard alone: the label has the focus, Tab goes along the row.
    page.goto(base + paper_path(petition.slug, "enter/"))
    assert_nothing_serious(page)
    expect(page.get_by_label("Where and when they were signed")).to_be_focused()
    page.keyboard.type("Rally, 3 May")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Row 1: Name")).to_be_focused()
    page.keyboard.type("Ada Okafor")
    page.keyboard.press("Tab")
    page.keyboard.type("ada@example")  # no dot: not an address
    page.keyboard.press("Tab")
    page.keyboard.type("Nigeria")
    page.get_by_label("Row 2: Name").fill("Bruno Lind")
    page.get_by_label("Row 2: Hide my name").check()
    page.get_by_label("Row 2: Name").press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("Row 1 cannot be entered")
    expect(page.get_by_label("Row 1: Email")).to_be_focused()
    assert_nothing_serious(page)
    assert not Signature.objects.exists()
    page.keyboard.press("Control+A")
    page.keyboard.type("ada@example.org")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("2 signatures on paper are entered")
    assert letter_count_fresh(petition.pk).total == 2

    # A second pile, typed into a spreadsheet.
    sheet_file = tmp_path / "market.csv"
    sheet_file.write_text("name;email\nChen Wei;chen@example.net\n", encoding="utf-8-sig")
    page.get_by_role("link", name="Upload a CSV file").click()
    assert_nothing_serious(page)
    page.get_by_label("Where and when they were signed").fill("Market, 4 May")
    page.get_by_label("CSV file").set_input_files(str(sheet_file))
    page.get_by_role("button", name="Upload and count these signatures").click()
    expect(page.get_by_role("status")).to_contain_text("1 signature on paper is entered")
    assert letter_count_fresh(petition.pk).total == 3

    # The same file again: refused whole, each row named.
    page.get_by_role("link", name="Upload a CSV file").click()
    page.get_by_label("Where and when they were signed").fill("Market, 4 May")
    page.get_by_label("CSV file").set_input_files(str(sheet_file))
    page.get_by_role("button", name="Upload and count these signatures").click()
    expect(page.get_by_role("alert")).to_contain_text("Row 2 cannot be entered")
    expect(page.get_by_role("region", name="Rows to correct")).to_contain_text(
        "Row 2: email: This address has signed this letter already"
    )
    assert_nothing_serious(page)

    # The market batch goes, asked first; the count follows.
    page.goto(base + paper_path(petition.slug))
    page.get_by_role("link", name="Remove the batch “Market, 4 May”").click()
    assert_nothing_serious(page)
    page.get_by_role("button", name="Remove the batch").click()
    expect(page.get_by_role("status")).to_contain_text("1 signature left the count")
    assert letter_count_fresh(petition.pk).total == 2
    assert_nothing_serious(page)

    page.goto(f"{base}/letters/{petition.slug}/signatures/")
    expect(page.get_by_text("Ada Okafor · On paper")).to_be_visible()

    hosts = {urlsplit(url).netloc for url in requested if urlsplit(url).scheme.startswith("http")}
    assert hosts == {urlsplit(base).netloc}
