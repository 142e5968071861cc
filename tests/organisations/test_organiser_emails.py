"""Organisers' account emails are ours: our subjects, our words, the site's name."""

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from undersigned.accounts.models import User

PASSWORD = "a long organiser password"


def sign_up(email: str) -> mail.EmailMessage:
    page = Client().post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert page.status_code == 302
    return mail.outbox[-1]


def assert_ours(message: mail.EmailMessage) -> None:
    assert message.subject.startswith("undersigned: ")
    assert "[" not in message.subject  # allauth's "[127.0.0.1:8000] " prefix
    assert "Hello from" not in message.body  # allauth's stock greeting
    assert "Thank you for using" not in message.body
    assert "undersigned, open letters and petitions" in message.body


def test_it_sends_a_sign_up_confirmation_in_our_words(db: None) -> None:
    message = sign_up("olu@campaign.example")

    assert message.to == ["olu@campaign.example"]
    assert message.subject == "undersigned: Confirm your address to finish creating your account"
    assert_ours(message)
    assert "Thank you for creating an organiser account on undersigned" in message.body
    assert "To confirm that olu@campaign.example is your address" in message.body
    assert re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body), message.body
    assert "Please Confirm Your Email Address" not in message.body + message.subject


def test_it_sends_a_password_reset_in_our_words(organiser: User) -> None:
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    Client().post("/accounts/password/reset/", {"email": organiser.email})

    [message] = mail.outbox
    assert message.subject == "undersigned: Reset your password"
    assert_ours(message)
    assert "If this was not you, ignore this email: your password stays as it is." in message.body
    assert re.search(r"http://\S+/accounts/password/reset/key/\S+", message.body)


def test_it_tells_an_address_that_already_has_an_account_without_saying_so_on_the_page(
    organiser: User,
) -> None:
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    message = sign_up(organiser.email)

    assert message.subject == "undersigned: You already have an account"
    assert_ours(message)
    assert re.search(r"http://\S+/accounts/password/reset/", message.body)


def test_it_tells_an_unknown_address_that_it_has_no_account(db: None) -> None:
    Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})

    [message] = mail.outbox
    assert message.subject == "undersigned: No account for this address"
    assert_ours(message)
    assert re.search(r"http://\S+/accounts/signup/", message.body)
