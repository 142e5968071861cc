"""Every page of the URL conf, public and organiser, passes axe-core's WCAG 2.2 A and AA
rules in light and in dark mode, shows where the keyboard's focus is, fits a window 320
pixels wide and one of 1280 at 200 % zoom, and loads nothing from another host; and a
form sent back with errors announces them and puts the focus on them.

The routes come from the URL conf (tests/urlconf_pages.py), so a new page is checked
without anyone remembering to. Each is filled with real objects and opened by the person
who would see it. The answer decides what is checked, not a list: HTML is a page; JSON,
CSV, PDF and feeds are files; 405 is a form's POST-only action; a redirect is followed to
the page it leads to. Any other answer fails, until whoever added the route says here
what it needs.

axe-core comes from PyPI (axe-playwright-python bundles axe.min.js) and is injected into
each page by the test: nothing is fetched from anywhere but the live server.
"""

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from axe_playwright_python.base import AXE_SCRIPT
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.accounts.test_mfa import away_from_a_step_boundary, totp_code, with_app
from tests.conftest import make_letter, run_tasks, signed_and_confirmed
from tests.updates.conftest import draft, signer
from tests.urlconf_pages import route_filled, url_routes
from undersigned.accounts.models import User
from undersigned.api.tokens import token_create
from undersigned.deliveries.delivering import delivery_start
from undersigned.deliveries.models import Method, Response
from undersigned.deliveries.responses import response_record
from undersigned.letters.models import FieldRule, Letter, Status
from undersigned.lib.email_address import email_key
from undersigned.mail.models import OutboxMessage
from undersigned.moderation.batches import invalidation_make, invalidation_preview
from undersigned.moderation.review import appeal_make, report_make, takedown
from undersigned.organisations.invitations import invitation_make, invitation_token_hash
from undersigned.organisations.models import Invitation, Membership, Organisation, Role
from undersigned.signing.models import Signature, State
from undersigned.signing.paper import PaperRow, paper_batch_record
from undersigned.signing.signatures import SignatureInput, signature_create
from undersigned.signing.tokens import confirmation_token, data_request_token, manage_token
from undersigned.transparency.appending import log_fold
from undersigned.transparency.receipts import receipt_token
from undersigned.updates.emails import unsubscribe_url
from undersigned.updates.publishing import update_send
from undersigned.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.browser

PASSWORD = "a long organiser password"  # the organiser fixture's
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Frames are left to their own visit: each document we frame is a route of its own.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_22_AA},
    "resultTypes": ["violations"],
    "iframes": False,
}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# 1280 pixels at 200 % zoom lay out in 640 CSS pixels; 320 is WCAG's reflow width.
NARROW_WINDOWS: list[ViewportSize] = [{"width": 640, "height": 400}, {"width": 320, "height": 640}]

# Routes not walked, by the start of their route, each with why.
NOT_WALKED = {
    "admin/": "Django's own admin, for the operator's staff: Django's templates, not ours",
    "api/v1/": "the JSON API, no page, and its reference for developers: Swagger UI's page, "
    "shipped by django-ninja, not ours; tests/e2e/test_a_developer_reads_the_api_docs.py "
    "loads it",
    "accounts/login/code/confirm/": "signing in by an emailed code is off: allauth sends "
    "every visitor of its page to the sign-in page",
    "accounts/2fa/webauthn/login/": "where the sign-in page posts a passkey; a GET is sent "
    "back to the sign-in page, checked on its own",
}
# Who opens a page. The platform's moderator: these. Someone signed out: the pages of
# signing in and of getting back into an account. The organisation's owner: every other
# dashboard and account page. The public: the rest.
MODERATOR_PAGES = {"review_queue", "review_letter", "platform_moderation", "audit_all"}
# Setting up a first second factor: the moderator has none, the owner has them all.
MODERATOR_PAGES |= {"mfa_activate_totp"}
SIGNED_OUT_PAGES = {
    "account_login",
    "account_signup",
    "account_inactive",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
}
# A search, without which the page only says that it needs one.
QUERIES = {
    "letter_moderation_batch": "?domain=spam.example&move=held",
    "letter_moderation_signatures": "?domain=example.org",
    "log_inclusion": "?index=0&size=1",
    "log_consistency": "?first=1&second=2",
}
# What each parameter names, by the route's shape: (pattern, parameter, object); the first
# pattern that matches fills the parameter.
FILLS = [
    (r"organisations/<slug:slug>/", "slug", "organisation"),
    (r"<slug:slug>", "slug", "letter"),
    (r"updates/<int:pk>/edit/", "pk", "draft"),
    (r"updates/<int:pk>", "pk", "update"),
    (r"deliveries/<int:pk>", "pk", "delivery"),
    (r"<int:number>", "number", "delivery_number"),
    (r"translations/", "language", "other_language"),
    (r"^language/", "code", "site_language"),
    (r"responses/<int:pk>", "pk", "response"),
    (r"(signatures|comments)/<int:pk>", "pk", "signature"),
    (r"batches/<int:pk>", "pk", "batch"),
    (r"paper/<int:pk>", "pk", "paper_batch"),
    (r"api-tokens/<int:pk>", "pk", "api_token"),
    (r"<int:endpoint_id>", "endpoint_id", "webhook_endpoint"),
    (r"<int:membership_id>", "membership_id", "membership"),
    (r"<int:invitation_id>", "invitation_id", "invitation"),
    (r"^invitations/", "token", "invitation_token"),
    (r"^confirm/", "token", "confirmation_token"),
    (r"^signature/", "token", "manage_token"),
    (r"^my-data/", "token", "data_token"),
    (r"^receipt/", "token", "receipt_token"),
    (r"^unsubscribe/", "token", "unsubscribe_token"),
    (r"^outbox/", "pk", "outbox_message"),
    (r"webauthn/keys/", "pk", "passkey"),
    (r"confirm-email/", "key", "email_confirmation"),
    (r"password/reset/key/", "uidb36", "reset_user"),
    (r"password/reset/key/", "key", "reset_key"),
]
# States of a page no GET of its route shows: (who, path, the status it is answered).
STATES = [
    ("public", "/letters/gone/", 410),  # taken down
    ("public", "/letters/no-such-letter/", 404),
    ("public", "/confirm/not-a-token/", 404),  # a link refused
    ("public", "/invitations/not-a-token/", 404),
    ("owner", "/dashboard/letters/in-review/", 200),  # waiting for review
    ("moderator", "/dashboard/review/letters/in-review/", 200),
    ("moderator", "/dashboard/review/letters/gone/", 200),  # with its appeal
]
# Forms sent with every text box emptied and the browser's own checks off, as the server
# sees a form a person got wrong: (who, page, the button that sends it).
SENT_EMPTY = [
    ("public", "/letters/drop-the-contract/", "Sign"),
    ("public", "/letters/drop-the-contract/report/", "Send the report"),
    ("public", "/letters/drop-the-contract/manage/", "Email me a link"),
    ("public", "/my-data/", "Email me a link"),
    ("public", "/accounts/login/", "Sign in"),
    ("public", "/accounts/signup/", "Create the account"),
    ("public", "/accounts/password/reset/", "Send the link"),
    ("owner", "/dashboard/organisations/new/", "Create the organisation"),
    ("owner", "/dashboard/organisations/open-streets-alliance/letters/new/", "Save the draft"),
    ("owner", "/dashboard/organisations/open-streets-alliance/members/", "Send the invitation"),
    ("owner", "/dashboard/letters/drop-the-contract/updates/new/", "Save and preview"),
    ("owner", "/dashboard/letters/drop-the-contract/responses/new/", "Publish the response"),
    ("owner", "/dashboard/letters/drop-the-contract/deliveries/", "Deliver"),
    ("owner", "/dashboard/organisations/open-streets-alliance/webhooks/new/", "Add the endpoint"),
    ("owner", "/dashboard/organisations/open-streets-alliance/api-tokens/", "Create the token"),
]
BACKGROUND = "getComputedStyle(document.documentElement).backgroundColor"
# How many stops of the Tab key each page is walked through, from its top.
FOCUS_STOPS = 8
# The element the keyboard's focus is on, if nothing shows it is: no outline, no shadow.
FOCUS_UNSEEN = """() => {
  const focused = document.activeElement;
  if (!focused || focused === document.body || focused.tagName === "IFRAME") return "";
  const style = getComputedStyle(focused);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  if (ring || style.boxShadow !== "none") return "";
  return focused.outerHTML.slice(0, 120);
}"""
# Where the focus may be once a form comes back with errors: on the error summary, in it,
# or on a field marked invalid.
FOCUS_ON_AN_ERROR = """() => {
  const focused = document.activeElement;
  return Boolean(focused && (focused.closest("[role=alert]")
    || focused.getAttribute("aria-invalid") === "true"));
}"""


def person_for(route: str, name: str) -> str:
    if name in MODERATOR_PAGES:
        return "moderator"
    if name in SIGNED_OUT_PAGES:
        return "public"
    return "owner" if route.startswith(("dashboard/", "accounts/")) else "public"


def url_of(route: str, name: str, objects: dict[str, str]) -> str:
    values = {}
    for pattern, parameter, kind in FILLS:
        if re.search(pattern, route) and parameter not in values:
            values[parameter] = objects[kind]
    path = route_filled(route, values, hint="say what <{parameter}> names in FILLS")
    return path + QUERIES.get(name, "")


def _campaign(letter: Letter, owner: User) -> dict[str, str]:
    """Signers, an update sent and one drafted, a delivery with its answer, a batch."""
    ada = signed_and_confirmed(
        letter, "ada@example.org", "Ada Lovelace", comment="Because it matters."
    )
    signer(letter, "grace@example.org", name="Grace Hopper")
    for n in range(2):
        signed_and_confirmed(letter, f"bot{n}@spam.example", f"Bot {n}")
    pending = signature_create(
        letter=letter,
        data=SignatureInput(
            name="Paul Pending", email="paul@example.org", display="full", consent_updates=True
        ),
    )
    update = draft(letter, owner)
    update_send(update)
    unsent = draft(letter, owner, subject="Next week")
    target = letter.targets.get()
    delivery = delivery_start(
        letter=letter,
        method=Method.MANUAL,
        targets=[target],
        closes_signing=False,
        by=owner,
        how="by hand",
        delivered_on=timezone.localdate(),
    )
    run_tasks()
    response = response_record(
        letter=letter,
        response=Response(target=target, responded_on=timezone.localdate(), text="We will."),
        by=owner,
    )
    spam = Signature.objects.filter(letter=letter, email_domain="spam.example")
    batch = invalidation_make(
        letter=letter,
        signatures=spam,
        state=State.HELD,
        preview=invalidation_preview(spam, state=State.HELD),
        query={"domain": "spam.example"},
        by=owner,
    )
    report_make(letter=letter, reason="spam", note="Seen it three times.")
    paper = paper_batch_record(
        letter=letter, rows=[PaperRow(name="Pat Paper")], entered_by=owner, label="Rally, 3 May"
    )
    log_fold()  # the signature log, as the worker's round appends it
    return {
        "letter": letter.slug,
        "other_language": "es",
        # Choosing the site's own language keeps the rest of the walk in it.
        "site_language": "en",
        "update": str(update.pk),
        "draft": str(unsent.pk),
        "delivery": str(delivery.pk),
        "delivery_number": str(delivery.number),
        "response": str(response.pk),
        "signature": str(ada.pk),
        "batch": str(batch.pk),
        "paper_batch": str(paper.pk),
        "confirmation_token": confirmation_token(pending.pk),
        "manage_token": manage_token(ada.pk, requested=False),
        "receipt_token": receipt_token(ada.pk),
        "data_token": data_request_token(email_key("ada@example.org"), [ada.pk]),
        "unsubscribe_token": urlsplit(
            unsubscribe_url(letter.organisation_id, email_key("ada@example.org"))
        ).path.split("/")[2],
    }


def _organisation(organisation: Organisation, owner: User, moderator: User) -> dict[str, str]:
    """An editor, an invitation open, a letter in review, and one taken down and appealed."""
    editor = verified(User.objects.create_user("eda@campaign.example", PASSWORD))
    membership = Membership.objects.create(organisation=organisation, user=editor, role=Role.EDITOR)
    invitation = invitation_make(
        organisation=organisation, email="grace@uni.example", role=Role.VIEWER, by=owner
    )
    token = "an-invitation-token-the-test-knows"
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=invitation_token_hash(token))
    in_review = make_letter(organisation, slug="in-review", publish=False)
    Letter.objects.filter(pk=in_review.pk).update(status=Status.IN_REVIEW)
    gone = make_letter(organisation, slug="gone")
    takedown(letter=gone, by=moderator, reason="hate")
    gone.refresh_from_db()
    appeal_make(letter=gone, by=owner, text="It quotes hate speech to condemn it.")
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        url="https://crm.example/hooks?key=k",
        events=["signature.confirmed"],
        description="Our CRM",
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="ping-1",
        event_type="ping",
        body='{"id":"ping-1","type":"ping"}',
        state="failed",
        attempts=8,
        last_status=500,
        last_error="HTTP 500 Internal Server Error",
    )
    api_token, _secret = token_create(
        organisation=organisation, user=owner, name="CRM sync", scopes=["signatures:read"]
    )
    return {
        "organisation": organisation.slug,
        "membership": str(membership.pk),
        "api_token": str(api_token.pk),
        "webhook_endpoint": str(endpoint.pk),
        "invitation": str(invitation.pk),
        "invitation_token": token,
    }


def _accounts(owner: User) -> dict[str, str]:
    """The owner's recovery codes, and a newcomer's links to confirm and to reset."""
    RecoveryCodes.activate(owner)
    newcomer = User.objects.create_user("nia@newcomer.example", PASSWORD)
    address = EmailAddress.objects.create(
        user=newcomer, email=newcomer.email, verified=False, primary=True
    )
    message = OutboxMessage.objects.create(
        to="ada@example.org", subject="Confirm your signature", body="Open this link.", message=""
    )
    return {
        "email_confirmation": EmailConfirmationHMAC(address).key,
        "reset_user": user_pk_to_url_str(newcomer),
        "reset_key": default_token_generator.make_token(newcomer),
        "outbox_message": str(message.pk),
    }


def verified(user: User) -> User:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@dataclass
class Person:
    """One browser context, signed in or not, and what its pages asked of which hosts."""

    name: str
    page: Page
    requested: list[str] = field(default_factory=list)


@dataclass
class Walk:
    base: str
    problems: dict[str, list[str]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    checked: set[tuple[str, str]] = field(default_factory=set)

    def visit(self, person: Person, path: str, expected: int = 200) -> str:
        """Open `path` as `person`; check it if it is a page. What it turned out to be."""
        probe = person.page.context.request.get(self.base + path, max_redirects=0)
        status, kind = probe.status, probe.headers.get("content-type", "")
        location = probe.headers.get("location", "")
        if status == 405:
            return "POST only"
        if location.startswith("/accounts/login/"):
            return self.problem(path, f"{person.name} is sent to sign in")
        if location.startswith("/accounts/reauthenticate/"):
            self.goto(person, path)
            self.check(person)
            password_again(person.page)
            person.page.wait_for_url(f"**{urlsplit(path).path}*")
            self.check(person)
            return "page, after the password again"
        if location:
            self.goto(person, path)
            self.check(person)
            return f"redirect to {urlsplit(person.page.url).path}"
        if status != expected:
            return self.problem(path, f"{person.name} is answered {status}: fill what it needs")
        if not kind.startswith("text/html"):
            return f"file: {kind}"
        if "sandbox" in probe.headers.get("content-security-policy", ""):
            # An email's HTML, framed by our pages, runs no script: axe's neither. Its text
            # is checked in a blank page instead, under no policy, so its inline styles apply.
            person.page.goto("about:blank")
            person.page.set_content(probe.text())
            self.check(person, path)
            return "page, its text in a blank page"
        self.goto(person, path)
        self.check(person)
        return "page"

    def send_empty(self, person: Person, path: str, button: str) -> None:
        """Send the form of `button` with its text boxes empty: its errors are announced
        (role=alert), the focus is on them, and the page still passes."""
        page = person.page
        self.goto(person, path)
        form = page.locator("form", has=page.get_by_role("button", name=button, exact=True))
        form.evaluate("form => { form.noValidate = true; }")
        for box in form.locator("input[type=text], input[type=email], textarea").all():
            if box.is_visible():
                box.fill("")
        form.get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state("load")
        where = f"{path} sent empty as {person.name}"
        if not page.get_by_role("alert").filter(has_text=re.compile(r"\w")).count():
            self.problem(where, "no error is announced (role=alert)")
        if not page.evaluate(FOCUS_ON_AN_ERROR):
            self.problem(where, "the focus is not on the errors")
        self.check(person, f"{path} (sent empty)")

    def goto(self, person: Person, path: str) -> None:
        person.page.set_viewport_size(DESKTOP)
        person.page.goto(self.base + path)

    def check(self, person: Person, path: str = "") -> None:
        """axe in light and in dark mode, the focus seen at each stop of the keyboard, and
        no sideways scrolling in narrow windows; each page once for each person."""
        page = person.page
        key = (person.name, path or urlsplit(page.url).path)
        if key in self.checked:
            return
        self.checked.add(key)
        where = f"{key[1]} as {person.name}"
        backgrounds = set()
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            backgrounds.add(page.evaluate(BACKGROUND))
            for found in axe_violations(page):
                self.problem(where, f"{scheme}: {found}")
        page.emulate_media(color_scheme="light")
        if len(backgrounds) == 1 and page.locator("link[href*='site.css']").count():
            self.problem(where, "the site's stylesheet is the same in dark mode")
        for _stop in range(FOCUS_STOPS):
            page.keyboard.press("Tab")
            if unseen := page.evaluate(FOCUS_UNSEEN):
                self.problem(where, f"the focus does not show on {unseen}")
        for window in NARROW_WINDOWS:
            page.set_viewport_size(window)
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > window["width"]:
                self.problem(where, f"{width} px wide in a window of {window['width']}")
        page.set_viewport_size(DESKTOP)

    def problem(self, where: str, what: str) -> str:
        self.problems.setdefault(where, []).append(what)
        return "problem"


def axe_violations(page: Page) -> list[str]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(f"{n['target']} {n.get('failureSummary', '')!r}"[:300] for n in v["nodes"][:4])
        for v in results["violations"]
    ]


def password_again(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def passkey_added(walk: Walk, person: Person) -> str:
    """A passkey added as the owner adds one, her phone's screen lock played by Chromium's
    virtual authenticator; its id."""
    page = person.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True}
    options |= {"hasUserVerification": True, "isUserVerified": True}
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    walk.goto(person, "/accounts/2fa/webauthn/add/")
    password_again(page)
    page.get_by_label("Name").fill("Olu's phone")
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Add the passkey").click()
    expect(page.locator(".messages")).to_contain_text("The passkey is added.")
    return str(Authenticator.objects.get(type=Authenticator.Type.WEBAUTHN).pk)


def sign_in(walk: Walk, person: Person, user: User, *, second_factor: str = "") -> None:
    """Through the sign-in pages, checking each on the way."""
    page = person.page
    walk.goto(person, "/accounts/login/")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    if second_factor:
        away_from_a_step_boundary()
    page.get_by_role("button", name="Sign in", exact=True).click()
    if second_factor:
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in: second factor")
        walk.check(person)
        page.get_by_label("Code").fill(totp_code(second_factor))
        page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/dashboard/")


@pytest.fixture
def people(browser: Browser, live_server: Any) -> Iterator[Callable[[str], Person]]:
    """A fresh browser context for each person, made when first asked for."""
    contexts: list[BrowserContext] = []

    def make(name: str) -> Person:
        context = browser.new_context(viewport=DESKTOP, device_scale_factor=2)
        context.set_default_timeout(10_000)
        contexts.append(context)
        person = Person(name, context.new_page())
        context.on("request", lambda request: person.requested.append(request.url))
        return person

    yield make
    for context in contexts:
        context.close()


def test_every_page_passes_axe_fits_narrow_windows_and_loads_only_from_our_host(
    people: Callable[[str], Person],
    live_server: Any,
    settings: Any,
    organiser: User,
    organisation: Organisation,
) -> None:
    started = time.monotonic()
    settings.BASE_URL = live_server.url
    settings.OUTBOX_PAGE_ENABLED = True
    settings.UPDATE_SEND_RATE = 0
    owner = verified(organiser)
    moderator = User.objects.create_user(
        "mo@platform.example", PASSWORD, is_moderator=True, is_staff=True
    )
    verified(moderator)
    letter = make_letter(
        organisation,
        slug="drop-the-contract",
        goal=100,
        ask_comment=FieldRule.OPTIONAL,
        ask_affiliation=FieldRule.OPTIONAL,
    )
    objects = {
        **_campaign(letter, owner),
        **_organisation(organisation, owner, moderator),
        **_accounts(owner),
    }
    secret = with_app(owner)
    walk = Walk(live_server.url)
    persons = {name: people(name) for name in ("public", "owner", "moderator")}
    sign_in(walk, persons["owner"], owner, second_factor=secret)
    sign_in(walk, persons["moderator"], moderator)
    objects["passkey"] = passkey_added(walk, persons["owner"])

    for route, name in url_routes():
        if route.startswith(tuple(NOT_WALKED)):
            continue
        who, path = person_for(route, name), url_of(route, name, objects)
        walk.outcomes[f"{name} as {who}: {path}"] = walk.visit(persons[who], path)
    for who, path, status in STATES:
        walk.visit(persons[who], path, status)
    for who, path, button in SENT_EMPTY:
        walk.send_empty(persons[who], path, button)
    seconds = time.monotonic() - started

    pages = [route for route, outcome in walk.outcomes.items() if outcome.startswith("page")]
    print(f"\n{len(walk.checked)} pages checked ({len(pages)} routes) in {seconds:.0f} s")
    for route, outcome in walk.outcomes.items():
        print(f"  {outcome:<40} {route}")
    report = "\n".join(
        f"{where}:\n    " + "\n    ".join(found) for where, found in walk.problems.items()
    )
    assert walk.problems == {}, report
    assert len(pages) > 60
    other_hosts = {
        url
        for person in persons.values()
        for url in person.requested
        if urlsplit(url).scheme in ("http", "https", "ws", "wss")
        and urlsplit(url).netloc != urlsplit(live_server.url).netloc
    }
    assert other_hosts == set()
