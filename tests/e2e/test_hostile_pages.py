"""The hostile corpus, stored through the real write paths, then every page that shows it
loaded in Chromium: no script runs and no markup from it becomes an element; each payload
reads as the text it is. The organiser's CSV export keeps each cell from being a formula."""

import csv
import io
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page

from tests.conftest import make_letter, run_tasks, signed_and_confirmed
from tests.hostile.corpus import FORMULAS, SCRIPT, SHOWN
from undersigned.accounts.models import User
from undersigned.deliveries.delivering import delivery_start
from undersigned.deliveries.models import Delivery, Method, Response
from undersigned.deliveries.responses import response_record
from undersigned.letters.models import FieldRule, Letter, Target
from undersigned.organisations.models import Organisation
from undersigned.updates.models import Update, UpdateStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Markdown that would run script if the renderer or its sanitiser let it through.
HOSTILE_MARKDOWN = "\n\n".join(
    [
        *SCRIPT,
        "[a link](javascript:window.__pwned=1)",
        "![an image](javascript:window.__pwned=1)",
        "![a data image](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+)",
        '<a href="https://evil.example" onclick="window.__pwned=1">raw html link</a>',
        "[a fair link](https://example.org/)",
    ]
)
# What markup from a payload would have made, if any had been interpreted.
INJECTED = (
    "script:not([src])",
    "[onerror], [onload], [onclick]",
    "iframe:not([sandbox=''])",  # the update's email is framed with every power off
    "body style",
    "a[href^='javascript']",
    "img[src^='javascript'], img[src^='data:text']",
    "b:text-is('bold'), b:text-is('more')",
    "textarea ~ script",
)


@pytest.fixture
def hostile_letter(organisation: Organisation) -> Letter:
    letter = make_letter(
        organisation,
        slug="hostile",
        title='<script>window.__pwned=1</script> "Title" & <b>more</b>',
        body=HOSTILE_MARKDOWN,
        demands="\n".join(SCRIPT[:3]),
        pledge='<img src=x onerror="window.__pwned=1"> pledge',
        ask_comment=FieldRule.OPTIONAL,
        ask_affiliation=FieldRule.OPTIONAL,
        ask_title=FieldRule.OPTIONAL,
    )
    Target.objects.create(
        letter=letter, name='"><svg onload=window.__pwned=1>', role=SCRIPT[0], organisation=SQL0
    )
    for number, entry in enumerate(SHOWN):
        signed_and_confirmed(
            letter,
            f"hostile{number}@example.org",
            entry,
            comment=entry,
            affiliation=entry,
            title=entry,
        )
    Update.objects.create(
        letter=letter,
        subject=SCRIPT[1],
        body=HOSTILE_MARKDOWN,
        status=UpdateStatus.SENT,
        sent_at=timezone.now(),
    )
    target = letter.targets.get(name__startswith='"><svg')
    delivery_start(
        letter=letter,
        method=Method.MANUAL,
        targets=[target],
        closes_signing=False,
        by=None,
        how=SCRIPT[0],
        note=SCRIPT[1],
        delivered_on=timezone.localdate(),
    )
    run_tasks()  # the delivery's PDF and CSV, with every name in them
    response_record(
        letter=letter,
        response=Response(
            target=target,
            responded_on=timezone.localdate(),
            text=HOSTILE_MARKDOWN,
            source_url="https://example.org/source",
        ),
        by=None,
    )
    letter.story_changed()
    return letter


SQL0 = "'; DROP TABLE letters_letter; --"


def watch(page: Page) -> list[str]:
    """Every dialog a page opens (alert, confirm, prompt): there must be none."""
    dialogs: list[str] = []

    def seen(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", seen)
    return dialogs


def assert_inert(page: Page, url: str, dialogs: list[str], root: str = "main") -> str:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined", url
    assert dialogs == [], url
    main = page.locator(root)
    for selector in INJECTED:
        assert main.locator(selector).count() == 0, (url, selector)
    return str(main.inner_text())


def sign_in(page: Page, live_server: Any, organiser: User) -> None:
    """The organiser's session in the browser (signing in itself is another story's)."""
    client = Client()
    client.force_login(organiser)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_no_payload_runs_or_becomes_markup_on_a_public_page(
    page: Page, live_server: Any, hostile_letter: Letter
) -> None:
    dialogs = watch(page)
    base = f"{live_server.url}/letters/{hostile_letter.slug}"
    [update] = Update.objects.filter(letter=hostile_letter)

    letter_page = assert_inert(page, f"{base}/", dialogs)
    signatures = assert_inert(page, f"{base}/signatures/", dialogs)
    assert_inert(page, f"{base}/versions/", dialogs)
    assert_inert(page, f"{base}/signed/", dialogs)
    updates = assert_inert(page, f"{base}/updates/{update.pk}/", dialogs)

    assert "<script>window.__pwned=1</script>" in letter_page  # the body, as text
    assert '"><svg onload=window.__pwned=1>' in letter_page  # the target
    assert '<img src=x onerror="window.__pwned=1"> pledge' in letter_page
    shown = " ".join(signatures.split())  # as a reader sees it, runs of space as one
    for entry in SHOWN:
        assert " ".join(entry.split()) in shown, entry  # each name, read as written
    assert "<script>window.__pwned=1</script>" in updates
    page.goto(f"{base}/")
    links = page.locator("main a[href='https://example.org/']")
    assert links.count() == 2  # in the body, and in the target's response
    for link in links.all():
        assert set(str(link.get_attribute("rel")).split()) >= {"nofollow", "noopener", "ugc"}
    source = page.locator("main a[href='https://example.org/source']")
    assert set(str(source.get_attribute("rel")).split()) >= {"nofollow", "noopener", "ugc"}


def test_no_payload_runs_on_an_organisers_pages_and_the_export_keeps_formulas_text(
    page: Page, live_server: Any, hostile_letter: Letter, organiser: User
) -> None:
    dialogs = watch(page)
    sign_in(page, live_server, organiser)
    [update] = Update.objects.filter(letter=hostile_letter)

    assert_inert(page, f"{live_server.url}/dashboard/", dialogs)
    preview = assert_inert(
        page, f"{live_server.url}/dashboard/letters/{hostile_letter.slug}/preview/", dialogs
    )
    assert_inert(page, f"{live_server.url}/dashboard/letters/{hostile_letter.slug}/", dialogs)
    assert_inert(page, f"{live_server.url}/dashboard/updates/{update.pk}/", dialogs)
    email = f"{live_server.url}/dashboard/updates/{update.pk}/email.html"
    assert "<script>window.__pwned=1</script>" in assert_inert(page, email, dialogs, "body")
    assert "<script>window.__pwned=1</script>" in preview
    deliveries = f"{live_server.url}/dashboard/letters/{hostile_letter.slug}/deliveries/"
    assert SCRIPT[1] in assert_inert(page, deliveries, dialogs)
    delivery = Delivery.objects.get(letter=hostile_letter)
    delivered = page.request.get(f"{live_server.url}/dashboard/deliveries/{delivery.pk}.csv")
    assert delivered.status == 200
    assert_formulas_quoted(delivered.text())

    export = page.request.get(
        f"{live_server.url}/dashboard/letters/{hostile_letter.slug}/signatures.csv"
    )
    assert export.status == 200
    assert_formulas_quoted(export.text())


def assert_formulas_quoted(text: str) -> None:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    names = {row["Name"] for row in rows}
    assert len(rows) == len(SHOWN)
    for formula in FORMULAS:
        assert "'" + formula.strip() in names or "'" + formula in names, formula
        assert formula.strip() not in names
    for entry in SCRIPT:
        assert entry in names  # text that is no formula comes back as written
