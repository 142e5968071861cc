"""Shared personas and helpers: an organiser, a public signer, a professor, an employee."""

import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from pytest_django.live_server_helper import LiveServer

from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, FieldRule, Letter, Target
from undersigned.letters.publishing import letter_publish
from undersigned.lib.email_address import email_key
from undersigned.lib.static_assets import assets_collected, sources_fingerprint
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Organisation
from undersigned.signing.abuse import form_started
from undersigned.signing.models import Signature
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create
from undersigned.signing.tokens import confirmation_token

# .ci/run sets this: there, a test skipped for a missing service is a failure.
REQUIRE_ALL = os.environ.get("UNDERSIGNED_REQUIRE_ALL_TESTS") == "1"


def skip_unless(available: bool, reason: str) -> None:
    """Skip with a visible reason on a bare laptop; fail where every service must be present."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (UNDERSIGNED_REQUIRE_ALL_TESTS=1 forbids skipping)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def pytest_sessionstart(session: pytest.Session) -> None:
    """Pages link their assets by the hashed names collectstatic makes, so the session
    starts, before any test module builds the application, with them collected as
    `undersigned serve` would (lib/static_assets.py). They go to a temporary STATIC_ROOT
    named after their sources: collected once, by the first session that needs it, never
    changed under a session still reading it; the processes tests start inherit it. Those
    of sources a day gone are removed."""
    root = Path(tempfile.gettempdir()) / f"undersigned-static-{sources_fingerprint()[:16]}"
    for older in root.parent.glob("undersigned-static-*"):
        if older != root and time.time() - older.stat().st_mtime > 24 * 60 * 60:
            shutil.rmtree(older, ignore_errors=True)
    override_settings(STATIC_ROOT=root).enable()
    os.environ["STATIC_ROOT"] = str(root)
    assets_collected()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server, with static files served by WhiteNoise as in
    production: Django's handler for them would look hashed names up among the sources."""
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    # The stubs want a WSGIHandler class; what it is called with is all it needs to take.
    server.thread.static_handler = lambda application: application  # type: ignore[assignment]
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True, scope="session")
def _writers_closed(django_db_setup: None) -> Iterator[None]:
    """Signing's group-commit writer keeps its connection; it lets go of it before the
    test database is dropped (this ends first, since it needs the database set up),
    which a connection still open would hold up."""
    yield
    from undersigned.signing.signatures import signature_writes

    signature_writes.close_connection()


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    """Reads of the count are cached for a second in production; tests read them fresh.
    Passwords are hashed with a fast hasher: their strength is not what tests test. Each
    test starts in the default language: a request leaves its own active in the thread."""
    from django.core.cache import cache
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.COUNT_CACHE_SECONDS = 0
    settings.LETTER_CACHE_SECONDS = 0
    settings.SIGNATURE_RATE_LIMIT = "1000/h"
    # Tests sign from one machine, mostly at example.org: the limits and rules that would
    # see a crowd there are tested on their own (tests/signing/test_sign_defences.py).
    settings.SUBNET_RATE_LIMIT = "1000/h"
    settings.DOMAIN_RATE_LIMIT = "100000/h"
    settings.SUSPECT_DOMAIN_BURST = 100000
    settings.SUSPECT_SUBNET_BURST = 100000
    # Browsers driven by tests fill a form in faster than any person.
    settings.SIGN_MIN_SECONDS = 0
    # Letters open when published; the review queue's tests turn review on.
    settings.LETTERS_NEED_REVIEW = False
    cache.clear()


def run_tasks() -> None:
    """Run every queued background task with the real worker, as `undersigned worker` would.

    The worker closes its connection between tasks, as a long-running process should; in a
    test that would close the connection holding the test's transaction, so not here.
    """
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def tasks() -> Callable[[], None]:
    return run_tasks


@pytest.fixture
def organiser(db: None) -> User:
    return User.objects.create_user("olu@campaign.example", "a long organiser password")


@pytest.fixture
def organisation(organiser: User) -> Organisation:
    return organisation_create(name="Open Streets Alliance", owner=organiser)


def make_letter(organisation: Organisation, *, publish: bool = True, **fields: Any) -> Letter:
    slug = fields.pop("slug", f"letter-{Letter.objects.count() + 1}")
    defaults: dict[str, Any] = {
        "title": "Drop the camera contract",
        "body": "We ask **Northwind** to drop the contract.",
        "demands": "Withdraw from the contract.\nPublish every such contract.",
    }
    letter = Letter.objects.create(organisation=organisation, slug=slug, **{**defaults, **fields})
    Target.objects.create(
        letter=letter, name="Dana Whitfield", role="CEO", organisation="Northwind Systems"
    )
    if publish:
        letter_publish(letter=letter)
    return letter


@pytest.fixture
def petition(organisation: Organisation) -> Letter:
    """A public petition anyone may sign, asking for a country and a comment."""
    return make_letter(
        organisation,
        slug="drop-the-contract",
        goal=1000,
        ask_country=FieldRule.OPTIONAL,
        ask_comment=FieldRule.OPTIONAL,
    )


@pytest.fixture
def academic_letter(organisation: Organisation) -> Letter:
    return make_letter(
        organisation,
        slug="researchers-pledge",
        pledge="I will not build autonomous weapons.",
        eligibility=Eligibility.ACADEMIC,
        ask_affiliation=FieldRule.REQUIRED,
        ask_title=FieldRule.REQUIRED,
    )


@pytest.fixture
def workers_letter(organisation: Organisation) -> Letter:
    return make_letter(
        organisation,
        slug="northwind-workers",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        allow_full_name=False,
        ask_department=FieldRule.OPTIONAL,
        ask_location=FieldRule.OPTIONAL,
    )


SIGNER = {
    "name": "Suzie Signer",
    "email": "suzie@example.org",
    "display": "full",
    "consent_updates": "on",
}


ORIGIN = "http://testserver"


def sign(client: Client, letter: Letter, **fields: Any) -> Any:
    """Post the sign form as a browser on our own page would."""
    data = {**SIGNER, "version": letter.text_hash(), "started": form_started(), **fields}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/letters/{letter.slug}/sign/", data, HTTP_ORIGIN=ORIGIN)


def signed_and_confirmed(
    letter: Letter,
    email: str,
    name: str = "",
    *,
    display: str = "full",
    institution: str = "",
    **details: str,
) -> Signature:
    """A signature made and confirmed through the domain functions, as clicking the
    emailed link would leave it; `institution` is the pick where a domain has several."""
    data = SignatureInput(
        name=name or email.partition("@")[0].title(),
        email=email,
        display=display,
        consent_updates=False,
        details=details,
    )
    signature = signature_create(letter=letter, data=data)
    confirmed = signature_confirm(signature_id=signature.pk, institution=institution)
    assert confirmed is not None
    return confirmed


def sign_and_confirm(letter: Letter, email: str, **fields: Any) -> tuple[Signature, Any]:
    """Sign through the form and press the button behind the emailed link; the signature
    as stored, and the page the button showed."""
    assert sign(Client(), letter, email=email, **fields).status_code == 302
    signature = Signature.objects.get(letter=letter, email_key=email_key(email))
    page = Client().post(f"/confirm/{confirmation_token(signature.pk)}/", HTTP_ORIGIN=ORIGIN)
    assert page.status_code == 200, page.text
    signature.refresh_from_db()
    return signature, page


def signed_and_confirmed_by_email(letter: Letter, email: str, **fields: Any) -> mail.EmailMessage:
    """Sign, and confirm through the link in the email the worker sent; returns that email."""
    assert sign(Client(), letter, email=email, **fields).status_code == 302
    run_tasks()
    message = mail.outbox[-1]
    assert message.to == [email]
    match = re.search(r"http://[^/\s]+(/confirm/\S+/)", str(message.body))
    assert match, message.body
    assert Client().post(match.group(1), HTTP_ORIGIN=ORIGIN).status_code == 200
    return message
