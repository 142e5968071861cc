"""Signers who asked for updates, and an update of theirs ready to send."""

from typing import Any

import pytest

from tests.mail.conftest import relay  # noqa: F401  (the fixture, for these tests too)
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.signing.models import Signature
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create
from undersigned.updates.models import Update


def signer(
    letter: Letter, email: str, *, consent: bool = True, confirm: bool = True, **fields: Any
) -> Signature:
    """A signature through the domain functions, as the sign form and its link leave it."""
    data = SignatureInput(
        name=fields.pop("name", email.partition("@")[0].title()),
        email=email,
        display=fields.pop("display", "full"),
        consent_updates=consent,
        contact_email=fields.pop("contact_email", ""),
        details=fields,
    )
    signature = signature_create(letter=letter, data=data)
    if confirm:
        confirmed = signature_confirm(signature_id=signature.pk)
        assert confirmed is not None
        return confirmed
    return signature


def draft(letter: Letter, by: User | None = None, **fields: Any) -> Update:
    defaults = {"subject": "We met the board", "body": "It went **well**. Next: the AGM."}
    return Update.objects.create(letter=letter, created_by=by, **{**defaults, **fields})


@pytest.fixture(autouse=True)
def _unthrottled(settings: Any) -> None:
    """Updates go out as fast as the relay takes them, except where a test sets a rate."""
    settings.UPDATE_SEND_RATE = 0


@pytest.fixture
def update(petition: Letter, organiser: User) -> Update:
    return draft(petition, organiser)
