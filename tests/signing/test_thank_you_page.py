"""The page after signing: the letter's own address to pass on, and plain share links
that load nothing from the sites they lead to."""

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.test import Client

from tests.conftest import sign, sign_and_confirm
from undersigned.letters.models import Letter

BASE_URL = "https://letters.example.org"


def thank_you_page(client: Client, letter: Letter) -> str:
    response = sign(client, letter)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


def test_it_offers_the_letters_full_address_to_copy(petition: Letter, settings: Any) -> None:
    settings.BASE_URL = BASE_URL
    page = thank_you_page(Client(), petition)

    address = f"{BASE_URL}/letters/{petition.slug}/"
    field = re.search(r'<input id="share-url"[^>]*>', page)
    assert field, page
    assert f'value="{address}"' in field[0]
    assert "readonly" in field[0]
    assert '<label for="share-url">' in page
    # Without JavaScript the button would do nothing, so only the script shows it.
    assert re.search(r'<button type="button" data-copy="share-url"[^>]* hidden>Copy</button>', page)
    assert re.search(r'<script src="/static/js/copy\.[0-9a-f]{12}\.js" defer></script>', page)


def test_it_links_to_share_the_letter_without_loading_anything_from_elsewhere(
    petition: Letter, settings: Any
) -> None:
    settings.BASE_URL = BASE_URL
    page = thank_you_page(Client(), petition)
    address = f"{BASE_URL}/letters/{petition.slug}/"

    anchors = re.findall(r'<li><a href="([^"]+)"[^>]*>(\w+)', page.replace("&amp;", "&"))
    # The language switcher's links lead to this page in another language, not to share it.
    links = {name: href for href, name in anchors if not href.startswith("/language/")}
    assert set(links) == {"Email", "Mastodon", "Bluesky", "WhatsApp", "LinkedIn", "X", "Facebook"}
    mail = urlsplit(links["Email"])
    assert mail.scheme == "mailto"
    assert parse_qs(mail.query)["subject"] == [petition.title]
    assert address in parse_qs(mail.query)["body"][0]
    for href in links.values():
        shared = " ".join(
            value for values in parse_qs(urlsplit(href).query).values() for value in values
        )
        assert address in shared, href
    for anchor in re.findall(r'<a href="https://[^"]+"[^>]*>', page):
        assert 'rel="noopener noreferrer"' in anchor and 'target="_blank"' in anchor

    # Every script, stylesheet, image and frame comes from us.
    assets = re.findall(r'<(?:script|img|iframe)\b[^>]*\bsrc="([^"]*)"', page)
    # (A rel="alternate" link names this page in another language, and loads nothing.)
    assets += re.findall(r'<link\b(?![^>]*rel="alternate")[^>]*\bhref="([^"]*)"', page)
    assert assets and all(asset.startswith("/static/") for asset in assets), assets


def test_it_may_be_cached_as_it_holds_nothing_of_the_signer(petition: Letter) -> None:
    client = Client()
    page = thank_you_page(client, petition)
    assert "suzie" not in page.lower()
    assert client.get(f"/letters/{petition.slug}/signed/")["Cache-Control"].startswith("public")


def test_it_warns_employees_that_sharing_in_their_name_shows_their_support(
    workers_letter: Letter,
) -> None:
    page = Client().get(f"/letters/{workers_letter.slug}/signed/").content.decode()
    assert "Sharing from an account in your name shows others that you support" in page


def test_it_offers_the_same_address_to_share_once_the_signature_is_confirmed(
    petition: Letter, settings: Any
) -> None:
    settings.BASE_URL = BASE_URL
    _signature, page = sign_and_confirm(petition, "suzie@example.org")

    assert f'value="{BASE_URL}/letters/{petition.slug}/"' in page.text
    assert re.search(r'<script src="/static/js/copy\.[0-9a-f]{12}\.js" defer></script>', page.text)
