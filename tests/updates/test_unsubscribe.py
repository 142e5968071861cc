"""The unsubscribe link: a GET only shows a button (mail scanners prefetch links), a POST
needs no login, cookie or CSRF token, it can be taken back, and it never expires."""

import time
from unittest import mock

from django.test import Client
from django.urls import reverse

from undersigned.lib.email_address import email_key
from undersigned.organisations.models import Organisation
from undersigned.signing.tokens import unsubscribe_token
from undersigned.signing.unsubscriptions import is_unsubscribed

KEY = email_key("ada@example.org")


def _url(organisation: Organisation) -> str:
    return reverse("unsubscribe", kwargs={"token": unsubscribe_token(organisation.pk, KEY)})


def test_opening_the_link_unsubscribes_nobody(organisation: Organisation) -> None:
    page = Client().get(_url(organisation))

    assert page.status_code == 200
    assert "Unsubscribe from Open Streets Alliance" in page.text
    assert '<button type="submit" class="primary">Unsubscribe</button>' in page.text
    assert not is_unsubscribed(organisation.pk, KEY)


def test_the_button_unsubscribes_and_the_page_lets_you_take_it_back(
    organisation: Organisation,
) -> None:
    client = Client(enforce_csrf_checks=True)
    url = _url(organisation)

    page = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert "You are unsubscribed" in page.text and "Take it back" in page.text
    assert is_unsubscribed(organisation.pk, KEY)
    client.post(url, {"List-Unsubscribe": "One-Click"})  # twice is harmless
    assert organisation.unsubscriptions.count() == 1

    page = client.post(url, {"undo": "1"})
    assert "You get updates again" in page.text
    assert not is_unsubscribed(organisation.pk, KEY)


def test_a_year_old_link_still_works(organisation: Organisation) -> None:
    a_year_ago = time.time() - 400 * 24 * 3600
    with mock.patch("time.time", return_value=a_year_ago):
        url = _url(organisation)

    Client().post(url, {"List-Unsubscribe": "One-Click"})
    assert is_unsubscribed(organisation.pk, KEY)


def test_a_broken_or_foreign_token_changes_nothing(organisation: Organisation) -> None:
    from django.core import signing

    forged = signing.dumps([organisation.pk, KEY], salt="undersigned.signing.manage")
    for token in ("not-a-token", _url(organisation).split("/")[-2][:-3], forged):
        page = Client().post(f"/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
        assert page.status_code == 404
        assert "not one of ours" in page.text
    assert organisation.unsubscriptions.count() == 0
