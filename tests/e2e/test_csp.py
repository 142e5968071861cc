"""Every page keeps to the Content-Security-Policy, and what its scripts do still works.

The policy (settings.CONTENT_SECURITY_POLICY) runs no inline script or style. A page that
broke it would work less than its author thought and tell only the browser's console; so
each page here is loaded in Chromium with the demo's data, and the test fails on any
report of a violation: a `securitypolicyviolation` event in the page or any of its frames,
or the console line Chromium writes for each refusal. Then the enhancements those rules
could break are used: copying the letter's address, the live count, an update's progress,
the styled preview of an update's email.
"""

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Error, Page, expect

from tests.conftest import make_letter, run_tasks, signed_and_confirmed
from tests.updates.conftest import draft, signer
from undersigned.accounts.models import User
from undersigned.deliveries.models import Delivery, Response
from undersigned.demo.loading import DEMO_EMAIL, DEMO_PASSWORD, demo_load
from undersigned.letters.models import PUBLIC_STATUSES, Letter
from undersigned.lib.email_address import email_key
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature
from undersigned.signing.tokens import manage_token
from undersigned.updates.emails import unsubscribe_url
from undersigned.updates.models import Update, UpdateStatus
from undersigned.updates.publishing import update_send

pytestmark = pytest.mark.browser

PETITION = "northwind-drop-the-camera-contract"
LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} at ` +
    `${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""


class Violations:
    """Every report of a CSP violation in a tab, from its console and from each frame."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(LISTENER)
        page.on("console", self._heard)

    def _heard(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def found(self) -> list[str]:
        reported = list(self.console)
        for frame in self.page.frames:
            try:
                events = frame.evaluate("window.__cspViolations || []")
            except Error:  # a frame that runs no script; its refusals still reach the console
                continue
            reported += [f"{frame.url}: {event}" for event in events]
        return reported

    def visit(self, url: str) -> None:
        """Load a page and fail on any violation it reports."""
        response = self.page.goto(url)
        assert response is not None and response.status < 400, f"{url}: {response}"
        self.page.wait_for_load_state("load")
        self.assert_none()

    def assert_none(self) -> None:
        found = self.found()
        assert found == [], "\n".join(found)


@pytest.fixture
def violations(page: Page) -> Violations:
    return Violations(page)


@pytest.fixture
def demo(db: None, settings: Any) -> Iterator[Letter]:
    settings.UPDATE_SEND_RATE = 0
    demo_load()
    run_tasks()  # the delivery's files, as the demo's worker builds them
    yield Letter.objects.get(slug=PETITION)


def path_of(name: str, **kwargs: Any) -> str | None:
    """The path of a named page, or None where the app that has it is not installed."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def sign_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(DEMO_EMAIL)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/dashboard/")


def test_it_hears_a_violation_when_there_is_one(
    page: Page, live_server: Any, violations: Violations, db: None
) -> None:
    """The detector works: an inline style and an inline script added to a page are refused."""
    page.goto(f"{live_server.url}/")
    page.evaluate(
        """() => {
          document.body.setAttribute("style", "color: red");
          const script = document.createElement("script");
          script.textContent = "window.ran = true";
          document.body.append(script);
        }"""
    )
    expect(page.locator("body")).not_to_have_css("color", "rgb(255, 0, 0)")
    assert page.evaluate("window.ran") is None
    found = violations.found()
    assert any("style-src" in line for line in found), found
    assert any("script-src" in line for line in found), found


def test_a_visitor_and_a_signer_see_every_public_page_within_the_policy(
    page: Page, live_server: Any, violations: Violations, demo: Letter
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    base = live_server.url
    for path in ["/", "/what-we-keep/", "/accounts/login/", "/accounts/signup/"]:
        violations.visit(base + path)
    violations.visit(base + "/accounts/password/reset/")
    for letter in Letter.objects.filter(
        organisation__memberships__user__email=DEMO_EMAIL, status__in=PUBLIC_STATUSES
    ):
        for name in ["letter", "letter_signatures", "letter_versions", "letter_updates"]:
            violations.visit(base + reverse(name, kwargs={"slug": letter.slug}))
        violations.visit(base + reverse("letter_manage_link", kwargs={"slug": letter.slug}))
    published = Update.objects.published().filter(letter=demo).first()
    assert published is not None
    violations.visit(base + published.get_absolute_url())
    address = "amara@example.org"
    violations.visit(
        base + urlsplit(unsubscribe_url(demo.organisation_id, email_key(address))).path
    )

    # The delivery's PDF opens in the browser's own viewer under the same policy.
    delivery = Delivery.objects.delivered().filter(letter=demo).first()
    assert delivery is not None
    violations.visit(
        base + reverse("delivery_pdf", kwargs={"slug": PETITION, "number": delivery.number})
    )
    assert any(frame.url.startswith("chrome-extension://") for frame in page.frames)

    # Signing through the page, with the sign form's own scripts.
    violations.visit(f"{base}/letters/{PETITION}/")
    page.get_by_label("Full name", exact=True).fill("Suzie Signer")
    page.get_by_label("Email address", exact=True).fill("suzie@example.org")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    violations.assert_none()
    copy_the_address(page, violations)

    run_tasks()
    link = re.search(r"http://\S+(/confirm/\S+/)", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    violations.visit(base + link.group(1))
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your signature counts")
    violations.assert_none()
    copy_the_address(page, violations)

    signature = Signature.objects.get(letter=demo, email_key=email_key("suzie@example.org"))
    violations.visit(f"{base}/signature/{manage_token(signature.pk, requested=True)}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    others = {urlsplit(url).netloc for url in requested if url.startswith("http")}
    others -= {urlsplit(base).netloc}
    assert others == set(), f"the pages loaded resources from {others}"


def copy_the_address(page: Page, violations: Violations) -> None:
    """copy.js shows the Copy button and copies the letter's address with it."""
    button = page.get_by_role("button", name="Copy")
    expect(button).to_be_visible()
    button.click()
    expect(page.get_by_role("status")).to_have_text("Copied the address.")
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"/letters/{PETITION}/")
    violations.assert_none()


def test_an_organiser_sees_every_organiser_page_within_the_policy(
    page: Page, live_server: Any, violations: Violations, demo: Letter
) -> None:
    organisation = demo.organisation
    sent = Update.objects.filter(letter=demo, status=UpdateStatus.SENT).first()
    unsent = draft(demo, subject="The AGM is on Thursday")
    response = Response.objects.filter(target__letter=demo).first()
    assert sent is not None and response is not None
    slug = {"slug": demo.slug}
    paths = [
        reverse("dashboard"),
        reverse("organisation_new"),
        reverse("organisation_settings", kwargs={"slug": organisation.slug}),
        reverse("letter_new", kwargs={"slug": organisation.slug}),
        reverse("letter_edit", kwargs=slug),
        reverse("letter_preview", kwargs=slug),
        reverse("letter_updates_manage", kwargs=slug),
        reverse("update_new", kwargs=slug),
        reverse("update_organiser", kwargs={"pk": sent.pk}),
        reverse("update_edit", kwargs={"pk": unsent.pk}),
        reverse("letter_deliveries", kwargs=slug),
        reverse("response_new", kwargs=slug),
        reverse("response_update", kwargs={"pk": response.pk}),
        reverse("account_logout"),
        reverse("account_change_password"),
        reverse("account_email"),
    ]
    # Pages of apps other parts of the work add: checked where they are installed.
    optional = [
        path_of("mfa_index"),
        path_of("letter_moderation", **slug),
        path_of("letter_moderation_signatures", **slug),
    ]
    sign_in(page, live_server)
    violations.assert_none()
    for path in paths + [path for path in optional if path]:
        violations.visit(live_server.url + path)

    # The email preview is a document of its own, whose inline styles are allowed.
    violations.visit(live_server.url + reverse("update_organiser", kwargs={"pk": unsent.pk}))
    preview = page.frame_locator("iframe.email-preview")
    expect(preview.locator("h1")).to_have_text("The AGM is on Thursday")
    expect(preview.locator("p").first).to_have_css("color", "rgb(85, 85, 85)")
    violations.assert_none()


def test_the_live_count_and_an_updates_progress_keep_working(
    page: Page, live_server: Any, violations: Violations, organisation: Organisation, settings: Any
) -> None:
    settings.UPDATE_SEND_RATE = 0
    letter = make_letter(organisation, slug="drop-the-contract", goal=100)
    count = page.locator(".count-number")
    violations.visit(f"{live_server.url}/letters/{letter.slug}/")
    expect(count).to_have_text("0")
    signed_and_confirmed(letter, "ada@example.org")
    expect(count).to_have_text("1")  # live-count.js, without a reload
    violations.assert_none()

    signer(letter, "bo@example.org")
    update = draft(letter)
    update_send(update)
    page.context.clear_cookies()
    organiser = organisation.memberships.get().user
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(organiser.email)
    page.get_by_label("Password", exact=True).fill("a long organiser password")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=organiser, email=organiser.email, defaults={"verified": True, "primary": True}
    )
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/dashboard/")
    violations.visit(f"{live_server.url}/dashboard/updates/{update.pk}/")
    sent = page.locator('[data-progress="sent"]')
    expect(sent).to_have_text("0")
    run_tasks()
    expect(sent).to_have_text("1", timeout=15_000)  # update-progress.js, without a reload
    violations.assert_none()


def test_the_operators_admin_pages_keep_to_the_policy(
    page: Page, live_server: Any, violations: Violations, petition: Letter
) -> None:
    User.objects.create_superuser("operator@petitions.example", "an operator password")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Email").fill("operator@petitions.example")
    page.get_by_label("Password").fill("an operator password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    violations.assert_none()
    organisation = petition.organisation_id
    for path in [
        "/admin/organisations/organisation/",
        f"/admin/organisations/organisation/{organisation}/change/",
        "/admin/accounts/user/",
    ]:
        violations.visit(live_server.url + path)
