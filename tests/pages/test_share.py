"""A supporter shares the letter (pages/share.py): plain links with its hashtag and no
script of another site, the code to embed its form, the card tags, and the card's image,
drawn by us, cached, and drawn again as the count moves."""

import io
import re
from html import unescape
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image

from tests.conftest import make_letter, signed_and_confirmed
from tests.letters.editor_page import form_values
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.organisations.models import Organisation

SLUG = "no-cameras-on-our-trams"


@pytest.fixture
def letter(organisation: Organisation, settings: Any) -> Letter:
    settings.BASE_URL = "https://letters.example"
    return make_letter(organisation, slug=SLUG, goal=500, hashtag="NoCameras")


@pytest.fixture
def olu(organiser: User, organisation: Organisation) -> Client:
    client = Client()
    client.force_login(organiser)
    return client


def meta(page: str) -> dict[str, str]:
    """The page's <meta> tags, by property or name."""
    tags = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page)
    return {key: unescape(value) for key, value in tags}


def links(page: str) -> dict[str, str]:
    """The share panel's links, by name."""
    panel = page[page.index('class="share share-panel"') :]
    found = re.findall(r'<li><a href="([^"]+)"[^>]*>([^<]+)', panel)
    return {name: unescape(href) for href, name in found}


def image(response: Any) -> Image.Image:
    return Image.open(io.BytesIO(response.content))


def test_the_share_links_carry_the_hashtag_and_load_nothing_from_those_sites(
    letter: Letter,
) -> None:
    page = Client().get(f"/letters/{SLUG}/").text
    shared = links(page)

    assert "Its hashtag: <strong>#NoCameras</strong>" in page
    assert set(shared) == {"Email", "Mastodon", "Bluesky", "WhatsApp", "LinkedIn", "X", "Facebook"}
    address = f"https://letters.example/letters/{SLUG}/"
    assert "hashtags=NoCameras" in unquote(shared["X"])
    assert "hashtag=#NoCameras" in unquote(shared["Facebook"])
    assert "#" not in unquote(shared["Email"]).partition("&body=")[0]
    assert "Drop the camera contract #NoCameras " + address in unquote(shared["Mastodon"])
    assert address in unquote(shared["Facebook"])
    # Every script on the page is ours, from our own host.
    assert re.findall(r'<script src="([^"]+)"', page) == [
        src for src in re.findall(r'<script src="([^"]+)"', page) if src.startswith("/static/")
    ]
    assert "<iframe" not in page.replace("&lt;iframe", "")


def test_a_letter_without_a_hashtag_says_none(organisation: Organisation) -> None:
    make_letter(organisation, slug="plain")
    page = Client().get("/letters/plain/").text
    assert "hashtag" not in page.lower().replace("hashtags", "")
    assert "#" not in unquote(links(page)["X"])


def test_the_panel_has_the_code_that_puts_the_form_on_another_site(letter: Letter) -> None:
    page = unescape(Client().get(f"/letters/{SLUG}/").text)
    embed = f"https://letters.example/letters/{SLUG}/embed/"

    assert f'<iframe src="{embed}" title="Sign: Drop the camera contract"' in page
    assert f'<div data-undersigned-embed="{embed}">' in page
    # The script's address has no hash: a snippet pasted once keeps working after an upgrade.
    assert '<script src="https://letters.example/static/js/embed.js" async></script>' in page
    assert Client().get("/static/js/embed.js").status_code == 200


def test_the_panel_says_which_sites_may_show_the_form(letter: Letter) -> None:
    Letter.objects.filter(pk=letter.pk).update(embed_origins=["https://news.example"])
    page = Client().get(f"/letters/{SLUG}/").text
    assert "Its organisers allow it only on these sites: https://news.example." in page


def test_the_page_carries_a_card_for_other_sites(letter: Letter) -> None:
    tags = meta(Client().get(f"/letters/{SLUG}/").text)

    assert tags["og:title"] == tags["twitter:title"] == "Drop the camera contract"
    assert tags["og:description"] == "We ask Northwind to drop the contract."
    assert tags["og:url"] == f"https://letters.example/letters/{SLUG}/"
    assert tags["og:image"] == f"https://letters.example/letters/{SLUG}/share.png?count=0"
    assert tags["twitter:image"] == tags["og:image"]
    assert tags["twitter:card"] == "summary_large_image"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:alt"] == (
        "Drop the camera contract. 0 signatures. A letter from Open Streets Alliance."
    )


def test_the_cards_image_names_the_count_the_page_shows(letter: Letter) -> None:
    signed_and_confirmed(letter, "ada@example.org")
    tags = meta(Client().get(f"/letters/{SLUG}/").text)
    assert tags["og:image"].endswith("share.png?count=1")
    assert "1 signature." in tags["og:image:alt"]


def test_the_image_is_ours_1200_by_630_and_cacheable(letter: Letter) -> None:
    answer = Client().get(f"/letters/{SLUG}/share.png")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/png"
    assert image(answer).size == (1200, 630)
    assert answer["Cache-Control"].startswith("public, max-age=60")
    assert re.fullmatch(r'"[0-9a-f]{24}"', answer["ETag"])
    assert dict(answer.cookies) == {}


def test_a_browser_holding_the_image_is_answered_304(letter: Letter) -> None:
    etag = Client().get(f"/letters/{SLUG}/share.png")["ETag"]

    again = Client().get(f"/letters/{SLUG}/share.png?count=0", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_the_image_is_drawn_once_and_again_when_the_count_moves(letter: Letter) -> None:
    first = Client().get(f"/letters/{SLUG}/share.png")
    kept = cache.get(f"share-image:{letter.pk}:en")
    assert kept == (first["ETag"].strip('"'), first.content)
    assert Client().get(f"/letters/{SLUG}/share.png").content == first.content

    signed_and_confirmed(letter, "ada@example.org")
    moved = Client().get(f"/letters/{SLUG}/share.png")

    assert moved["ETag"] != first["ETag"]
    assert moved.content != first.content
    assert (
        Client().get(f"/letters/{SLUG}/share.png", HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == 200
    )


def test_on_a_stepped_letter_the_image_moves_only_with_the_step(organisation: Organisation) -> None:
    """The image shows the count as the page does: one new signature within a step does
    not change it, so it cannot be tied to one person either."""
    stepped = make_letter(organisation, slug="stepped", count_step=5)
    before = Client().get("/letters/stepped/share.png")
    for n in range(4):
        signed_and_confirmed(stepped, f"worker{n}@example.org")
    within = Client().get("/letters/stepped/share.png")
    signed_and_confirmed(stepped, "worker4@example.org")
    past = Client().get("/letters/stepped/share.png")

    assert within["ETag"] == before["ETag"]
    assert past["ETag"] != before["ETag"]
    assert meta(Client().get("/letters/stepped/").text)["og:image"].endswith("?count=5")


def test_the_image_reads_in_the_pages_language(letter: Letter) -> None:
    english = Client().get(f"/letters/{SLUG}/share.png")
    spanish = Client().get(f"/es/letters/{SLUG}/share.png")

    assert spanish.status_code == 200
    assert spanish["ETag"] != english["ETag"]
    tags = meta(Client().get(f"/es/letters/{SLUG}/").text)
    assert tags["og:image"].startswith(f"https://letters.example/es/letters/{SLUG}/share.png")


def test_a_title_in_any_script_is_drawn(organisation: Organisation) -> None:
    for slug, title in [
        ("arabic", "أوقفوا عقد الكاميرات في محطاتنا"),
        ("japanese", "監視カメラ契約を撤回してください。私たちの駅に顔認識は要りません。"),
        ("long", "A title that goes on " * 9),
    ]:
        make_letter(organisation, slug=slug, title=title)
        answer = Client().get(f"/letters/{slug}/share.png")
        assert answer.status_code == 200
        assert image(answer).size == (1200, 630)


def test_a_draft_has_no_image(organisation: Organisation) -> None:
    make_letter(organisation, slug="draft", publish=False)
    assert Client().get("/letters/draft/share.png").status_code == 404


def edit(client: Client, letter: Letter, **changes: str) -> Any:
    url = f"/dashboard/letters/{letter.slug}/"
    return client.post(url, {**form_values(client.get(url)), **changes})


def test_an_organiser_gives_the_letter_a_hashtag_with_or_without_its_sign(
    olu: Client, letter: Letter
) -> None:
    assert edit(olu, letter, hashtag="#SinCámaras").status_code == 302
    letter.refresh_from_db()
    assert letter.hashtag == "SinCámaras"
    assert "hashtags=SinCámaras" in unquote(links(Client().get(f"/letters/{SLUG}/").text)["X"])


@pytest.mark.parametrize("hashtag", ["no cameras", "2025", "no-cameras", "##x"])
def test_a_hashtag_that_is_no_hashtag_is_refused(olu: Client, letter: Letter, hashtag: str) -> None:
    answer = edit(olu, letter, hashtag=hashtag)

    assert answer.status_code == 200
    assert "A hashtag is one word of letters, digits and “_”" in answer.text
    letter.refresh_from_db()
    assert letter.hashtag == "NoCameras"
