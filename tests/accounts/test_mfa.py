"""Organisers' two-factor sign-in: an authenticator app, recovery codes, and organisations
that require a second factor of their members."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from tests.conftest import make_letter
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import Letter
from undersigned.organisations.models import Membership, Organisation, Role

PASSWORD = "a long organiser password"


def totp_code(secret: str, *, steps_ago: int = 0) -> str:
    """The code an authenticator app shows now (RFC 6238: HMAC-SHA1, 30 s, six digits)."""
    counter = int(time.time()) // 30 - steps_ago
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def away_from_a_step_boundary() -> None:
    """A code computed in the last second of its 30 may be a step old when it arrives."""
    if time.time() % 30 > 28:
        time.sleep(2.5)


def verified(user: User) -> User:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def signed_in(user: User) -> Client:
    """A browser signed in with the password just now, as a person would be."""
    client = Client()
    page = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert page["Location"] == "/dashboard/", page
    return client


def confirmed(client: Client, path: str) -> str:
    """Open a page that changes how one signs in: allauth asks for the password again
    first (on our page), then goes on to it."""
    asked = client.get(path)
    assert asked["Location"].startswith("/accounts/reauthenticate/?next="), asked
    form = client.get(asked["Location"])
    assert "<h1>Confirm it is you</h1>" in form.text
    done = client.post(asked["Location"], {"password": PASSWORD, "next": path})
    assert done["Location"] == path, done
    page = client.get(path)
    assert page.status_code == 200
    return page.text


def with_app(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def owner(organiser: User) -> User:
    return verified(organiser)


@pytest.fixture
def editor(organisation: Organisation) -> User:
    user = verified(User.objects.create_user("eda@campaign.example", PASSWORD))
    Membership.objects.create(organisation=organisation, user=user, role=Role.EDITOR)
    return user


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(organisation, slug="drop-the-contract", title="Drop the camera contract")


def test_it_sets_up_an_authenticator_app_from_a_qr_code_drawn_in_the_page(owner: User) -> None:
    client = signed_in(owner)
    page = confirmed(client, "/accounts/2fa/totp/activate/")
    assert '<svg class="qr" role="img"' in page
    assert "data:image" not in page
    secret = re.search(r'id="authenticator_secret">([A-Z2-7]+)<', page)
    assert secret, page

    away_from_a_step_boundary()
    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret.group(1))})

    assert done["Location"] == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
    codes = client.get(done["Location"]).text
    assert len(re.findall(r"<li><code>\d{8}</code></li>", codes)) == 10


def sign_in_with_password(user: User) -> tuple[Client, str]:
    """The password accepted, and where it sends the browser."""
    client = Client()
    page = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return client, page["Location"]


def test_it_asks_for_the_apps_code_at_sign_in(owner: User) -> None:
    secret = with_app(owner)
    client, location = sign_in_with_password(owner)
    assert location == "/accounts/2fa/authenticate/"
    assert client.get("/dashboard/")["Location"].startswith("/accounts/login/")
    form = client.get(location).text
    assert "<h1>Sign in: second factor</h1>" in form
    assert 'autocomplete="one-time-code"' in form

    wrong = client.post(location, {"code": "000000" if totp_code(secret) != "000000" else "1"})
    assert "Incorrect code." in wrong.text
    assert client.get("/dashboard/").status_code == 302

    away_from_a_step_boundary()
    done = client.post(location, {"code": totp_code(secret)})
    assert done["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_it_takes_a_code_from_the_step_before_for_a_phone_whose_clock_lags(owner: User) -> None:
    secret = with_app(owner)
    client, location = sign_in_with_password(owner)
    away_from_a_step_boundary()
    assert client.post(location, {"code": totp_code(secret, steps_ago=1)})["Location"] == (
        "/dashboard/"
    )


def test_it_takes_each_code_once(owner: User) -> None:
    secret = with_app(owner)
    away_from_a_step_boundary()
    code = totp_code(secret)
    first, location = sign_in_with_password(owner)
    assert first.post(location, {"code": code})["Location"] == "/dashboard/"
    second, location = sign_in_with_password(owner)
    assert "Incorrect code." in second.post(location, {"code": code}).text


def test_it_signs_in_with_a_recovery_code_once(owner: User) -> None:
    client = signed_in(owner)
    page = confirmed(client, "/accounts/2fa/totp/activate/")
    secret = re.search(r'id="authenticator_secret">([A-Z2-7]+)<', page)
    assert secret
    away_from_a_step_boundary()
    client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret.group(1))})
    codes = re.findall(
        r"<li><code>(\d{8})</code></li>", client.get("/accounts/2fa/recovery-codes/").text
    )
    assert len(codes) == 10

    lost_phone, location = sign_in_with_password(owner)
    assert lost_phone.post(location, {"code": codes[0]})["Location"] == "/dashboard/"
    assert lost_phone.get("/dashboard/").status_code == 200

    again, location = sign_in_with_password(owner)
    assert "Incorrect code." in again.post(location, {"code": codes[0]}).text
    assert again.post(location, {"code": codes[1]})["Location"] == "/dashboard/"


def signed_in_with_app(user: User) -> tuple[Client, str]:
    secret = with_app(user)
    client, location = sign_in_with_password(user)
    away_from_a_step_boundary()
    assert client.post(location, {"code": totp_code(secret)})["Location"] == "/dashboard/"
    return client, secret


def test_it_removes_the_app_once_the_password_is_given_again(owner: User) -> None:
    client, _secret = signed_in_with_app(owner)
    page = confirmed(client, "/accounts/2fa/totp/deactivate/")
    assert "<h1>Remove the authenticator app</h1>" in page

    client.post("/accounts/2fa/totp/deactivate/")

    assert not Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
    assert "The authenticator app is removed." in client.get("/accounts/2fa/").text
    assert sign_in_with_password(owner)[1] == "/dashboard/"


def test_it_renames_and_removes_a_passkey(owner: User) -> None:
    client, _secret = signed_in_with_app(owner)
    key = Authenticator.objects.create(
        user=owner,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Master key", "credential": {"clientExtensionResults": {}}},
    )
    assert "<strong>Master key</strong>" in client.get("/accounts/2fa/").text

    edit = f"/accounts/2fa/webauthn/keys/{key.pk}/edit/"
    assert "<h1>Rename a passkey</h1>" in confirmed(client, edit)
    client.post(edit, {"name": "Olu's laptop"})
    assert "<strong>Olu&#x27;s laptop</strong>" in client.get("/accounts/2fa/").text

    remove = f"/accounts/2fa/webauthn/keys/{key.pk}/remove/"
    assert "Remove “Olu&#x27;s laptop”" in client.get(remove).text
    client.post(remove)
    assert not Authenticator.objects.filter(pk=key.pk).exists()
    assert "The passkey is removed." in client.get("/accounts/2fa/").text


def test_it_links_the_security_page_from_the_organisers_menu(owner: User) -> None:
    page = signed_in(owner).get("/dashboard/").text
    assert '<a href="/accounts/2fa/">Security</a>' in page


def page_as_seen(owner: User, path: str) -> str:
    """The page as the organiser reaches it: through the password asked again where a
    page changes how one signs in, and at the sign-in's second step."""
    if path == "/accounts/login/":
        return Client().get(path).text
    if path == "/accounts/2fa/authenticate/":
        with_app(owner)
        client, location = sign_in_with_password(owner)
        return client.get(location).text
    if path == "/accounts/2fa/totp/activate/":
        return confirmed(signed_in(owner), path)
    client, _secret = signed_in_with_app(owner)
    RecoveryCodes.activate(owner)
    if path == "/accounts/reauthenticate/":
        return client.get(path).text
    page = client.get(path)
    return confirmed(client, path) if page.status_code == 302 else page.text


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/webauthn/add/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/authenticate/",
        "/accounts/login/",
        "/accounts/reauthenticate/",
    ],
)
def test_its_pages_run_no_inline_script_or_style(owner: User, path: str) -> None:
    page = page_as_seen(owner, path)
    assert "<h1>" in page
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    for attributes, body in scripts:
        # A script from our own host, or a JSON data block, which a browser never runs.
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes
        assert not body.strip() or 'type="application/json"' in attributes
    assert not re.search(r"\sstyle=|<style|\son[a-z]+=", page)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from elsewhere


def test_it_offers_a_passkey_at_sign_in(db: None) -> None:
    page = Client().get("/accounts/login/").text
    assert 'id="passkey_login"' in page
    assert 'action="/accounts/2fa/webauthn/login/"' in page


# An organisation that requires a second factor of its members.


def requiring(organisation: Organisation) -> Organisation:
    Organisation.objects.filter(pk=organisation.pk).update(require_mfa=True)
    organisation.refresh_from_db()
    return organisation


def editor_pages(letter: Letter) -> list[str]:
    """Every organiser page of one letter an editor may open, and the organisation's own."""
    by_letter = ["letter_edit", "letter_preview", "letter_updates_manage", "letter_deliveries"]
    return [
        *(reverse(name, args=[letter.slug]) for name in by_letter),
        reverse("letter_new", args=[letter.organisation.slug]),
    ]


def organiser_pages(letter: Letter) -> list[str]:
    """The editor's pages and one only owners may open: the factor is asked before the role."""
    return [*editor_pages(letter), reverse("letter_signatures_csv", args=[letter.slug])]


def test_it_sends_a_member_without_a_factor_to_set_one_up(
    organisation: Organisation, editor: User, letter: Letter
) -> None:
    requiring(organisation)
    client = signed_in(editor)
    for path in organiser_pages(letter):
        page = client.get(path)
        assert page.status_code == 302, path
        assert page["Location"] == "/accounts/2fa/", path
    security = client.get("/accounts/2fa/")
    assert (
        "Open Streets Alliance asks its members to sign in with a second factor. Set up an "
        "authenticator app or a passkey here to open its pages." in security.text
    )
    assert "Set up an authenticator app" in security.text


def test_it_lists_no_letter_of_such_an_organisation_to_a_member_without_a_factor(
    organisation: Organisation, editor: User, letter: Letter
) -> None:
    requiring(organisation)
    page = signed_in(editor).get("/dashboard/").text
    assert "Open Streets Alliance asks its members to sign in with a second factor." in page
    assert letter.title not in page
    assert f"/dashboard/letters/{letter.slug}/" not in page


def test_it_lets_a_member_with_a_factor_in(
    organisation: Organisation, editor: User, letter: Letter
) -> None:
    requiring(organisation)
    client, _secret = signed_in_with_app(editor)
    for path in editor_pages(letter):
        assert client.get(path).status_code == 200, path
    assert letter.title in client.get("/dashboard/").text


def test_it_does_not_ask_it_of_members_of_other_organisations(
    organisation: Organisation, editor: User, letter: Letter
) -> None:
    client = signed_in(editor)
    for path in editor_pages(letter):
        assert client.get(path).status_code == 200, path


def test_it_still_hides_the_organisation_from_outsiders(
    organisation: Organisation, letter: Letter
) -> None:
    requiring(organisation)
    outsider = verified(User.objects.create_user("otto@elsewhere.example", PASSWORD))
    assert signed_in(outsider).get(f"/dashboard/letters/{letter.slug}/edit/").status_code == 404


def settings_form(organisation: Organisation, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {"name": organisation.name, "contact_email": ""}
    data.update(changes)
    return data


def test_it_refuses_an_owner_requiring_it_without_a_factor_of_their_own(
    organisation: Organisation, owner: User
) -> None:
    url = f"/dashboard/organisations/{organisation.slug}/settings/"
    page = signed_in(owner).post(url, settings_form(organisation, require_mfa="on"))

    assert page.status_code == 200
    assert "Set up two-factor sign-in for your own account first" in page.text
    organisation.refresh_from_db()
    assert not organisation.require_mfa
    assert not AuditEntry.objects.filter(action="organisation.settings").exists()


def test_it_lets_an_owner_with_a_factor_require_it_and_records_who_did(
    organisation: Organisation, owner: User
) -> None:
    client, _secret = signed_in_with_app(owner)
    url = f"/dashboard/organisations/{organisation.slug}/settings/"
    assert "Require two-factor sign-in" in client.get(url).text

    done = client.post(url, settings_form(organisation, require_mfa="on"))

    assert done.status_code == 302
    organisation.refresh_from_db()
    assert organisation.require_mfa
    entry = AuditEntry.objects.get(action="organisation.settings")
    assert entry.actor == owner
    assert entry.organisation_id == organisation.pk
    assert entry.target_id == str(organisation.pk)
    assert "require_mfa" in entry.detail["fields"]
    assert entry.detail["require_mfa"] is True


def test_it_lets_no_editor_change_it(organisation: Organisation, editor: User, owner: User) -> None:
    client, _secret = signed_in_with_app(editor)
    url = f"/dashboard/organisations/{organisation.slug}/settings/"
    page = client.post(url, settings_form(organisation, require_mfa="on"))

    assert page.status_code == 403
    organisation.refresh_from_db()
    assert not organisation.require_mfa
    assert not AuditEntry.objects.filter(action="organisation.settings").exists()
