"""An organiser protects her account with a passkey, in Chromium, with the virtual
authenticator of the DevTools protocol standing in for her phone's screen lock."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from undersigned.accounts.models import User

PASSWORD = "a long organiser password"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def authenticator(page: Page) -> dict[str, Any]:
    """A platform authenticator that keeps passkeys and verifies its user, as a phone does."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return {"cdp": cdp, "id": added["authenticatorId"]}


def sign_in_with_password(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")


def test_an_organiser_signs_in_with_a_passkey(
    page: Page, live_server: Any, organiser: User, authenticator: dict[str, Any]
) -> None:
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    base = live_server.url
    assert base.startswith("http://localhost:")  # a secure context, and a valid RP ID
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    # Olu adds a passkey from the Security page, giving her password again first.
    sign_in_with_password(page, base, organiser)
    page.wait_for_url("**/dashboard/")
    page.get_by_role("link", name="Security", exact=True).click()
    page.get_by_role("link", name="Add a passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/webauthn/add/")) as shown:
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a passkey")
    # Under the site's strict policy: scripts from our host only, none inline.
    policy = shown.value.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"  # the directives come in any order
    assert "unsafe-inline" not in policy
    page.get_by_label("Name").fill("Olu's phone")
    page.get_by_label("Passwordless").check()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Add the passkey").click()

    # Her first factor comes with recovery codes.
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    expect(page.locator(".messages")).to_contain_text("The passkey is added.")
    key = Authenticator.objects.get(user=organiser, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Olu's phone"
    assert key.wrap().is_passwordless
    page.get_by_role("link", name="Security", exact=True).click()
    expect(page.locator(".keys")).to_contain_text("Olu's phone")

    # Signing in with her password now asks for the passkey too.
    sign_out(page)
    sign_in_with_password(page, base, organiser)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in: second factor")
    # The button does nothing until the page's script has bound it: wait for the script.
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Use a passkey or security key").click()
    page.wait_for_url("**/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisations")

    # And the passkey alone signs her in, with no password.
    sign_out(page)
    page.goto(f"{base}/accounts/login/")
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url("**/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisations")

    credentials = authenticator["cdp"].send(
        "WebAuthn.getCredentials", {"authenticatorId": authenticator["id"]}
    )["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
    assert problems == []  # no script failed, and the policy blocked nothing


def test_a_passkey_refused_on_the_device_says_so_on_the_page(
    page: Page, live_server: Any, organiser: User, authenticator: dict[str, Any]
) -> None:
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    sign_in_with_password(page, live_server.url, organiser)
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Passwordless").check()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Add the passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    sign_out(page)

    # Her phone does not recognise her this time: the browser's request fails.
    authenticator["cdp"].send(
        "WebAuthn.setUserVerified",
        {"authenticatorId": authenticator["id"], "isUserVerified": False},
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Use a passkey").click()

    expect(page.get_by_role("alert")).to_contain_text("The passkey was not used")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.goto(f"{live_server.url}/dashboard/")
    assert "/accounts/login/" in page.url


def test_the_security_pages_pass_axe(page: Page, live_server: Any, organiser: User) -> None:
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)

    def assert_nothing_serious() -> None:
        found = Axe().run(page).response["violations"]
        serious = [v["id"] for v in found if v["impact"] in {"serious", "critical"}]
        assert serious == [], f"{page.url}: {serious}"

    sign_in_with_password(page, live_server.url, organiser)
    page.goto(f"{live_server.url}/accounts/2fa/")
    assert_nothing_serious()
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_nothing_serious()
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    assert_nothing_serious()
