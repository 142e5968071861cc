"""A letter's sign form embedded in another site's page (pages/embed.py): only it may be
framed, by any site or by those its organisers list; it posts to the same sign view with
the same defences, answers inside the frame, sets no cookie and is cached like the page."""

import uuid
from typing import Any

import pytest
from django.test import Client

from tests.conftest import make_letter, sign
from tests.letters.editor_page import form_values
from tests.lib.test_page_cache import call
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.letters.publishing import letter_close
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature

NEWS = "https://news.example"


def policy(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().partition(" ")[::2] for part in header.split(";"))


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(organisation, slug="no-cameras-on-our-trams", goal=500)


@pytest.fixture
def olu(organiser: User, organisation: Organisation) -> Client:
    client = Client()
    client.force_login(organiser)
    return client


def embed_sign(letter: Letter, **fields: Any) -> Any:
    """The embed's form sent, from its own frame: a page of ours, so our origin."""
    return sign(Client(), letter, embed="1", **fields)


def test_any_site_may_frame_the_embed_and_no_site_the_letter_page(letter: Letter) -> None:
    embed = Client().get(f"/letters/{letter.slug}/embed/")
    page = Client().get(f"/letters/{letter.slug}/")

    assert embed.status_code == 200
    assert policy(embed)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in embed
    assert policy(page)["frame-ancestors"] == "'none'"
    assert page["X-Frame-Options"] == "DENY"


def test_where_organisers_list_sites_only_they_and_our_pages_may_frame_it(
    letter: Letter,
) -> None:
    Letter.objects.filter(pk=letter.pk).update(embed_origins=[NEWS, "https://*.paper.example"])

    embed = Client().get(f"/letters/{letter.slug}/embed/")

    assert policy(embed)["frame-ancestors"] == f"'self' {NEWS} https://*.paper.example"
    # The rest of the site's policy stands: our scripts and styles only.
    assert policy(embed)["script-src"] == "'self'"
    assert policy(embed)["form-action"] == "'self'"


def test_the_embed_shows_the_title_the_live_count_and_the_letter_pages_sign_form(
    letter: Letter,
) -> None:
    page = Client().get(f"/letters/{letter.slug}/embed/").text

    assert "<h1>Drop the camera contract</h1>" in page
    assert 'data-count-url="/letters/no-cameras-on-our-trams/count.json"' in page
    assert 'progress class="goal" max="500"' in page
    assert 'action="/letters/no-cameras-on-our-trams/sign/" novalidate target="_self"' in page
    assert '<input type="hidden" name="embed" value="1">' in page
    assert 'name="source" value="embed"' in page
    assert "data-sign-challenge" in page  # the challenge's widget, as on the letter page
    assert "js/live-count" in page and "js/embed-height" in page
    # Every other link opens outside the frame: our other pages refuse to be framed.
    assert '<base target="_blank">' in page
    # No site header or footer: the frame holds the form.
    assert 'class="site"' not in page


def test_a_site_may_tag_the_signatures_its_frame_brings(letter: Letter) -> None:
    page = Client().get(f"/letters/{letter.slug}/embed/?source=Daily News").text
    assert 'name="source" value="dailynews"' in page


def test_a_signature_from_the_embed_is_thanked_inside_the_frame(letter: Letter) -> None:
    Letter.objects.filter(pk=letter.pk).update(embed_origins=[NEWS])
    letter.refresh_from_db()

    answer = embed_sign(letter, source="embed")

    assert answer.status_code == 302
    assert answer["Location"] == f"/letters/{letter.slug}/embed/signed/"
    signature = Signature.objects.get(letter=letter)
    assert (signature.name, signature.source) == ("Suzie Signer", "embed")
    thanks = Client().get(answer["Location"])
    assert "Check your email" in thanks.text
    assert policy(thanks)["frame-ancestors"] == f"'self' {NEWS}"
    assert "X-Frame-Options" not in thanks


def test_the_letter_pages_own_form_still_goes_to_the_letter_pages_thanks(
    letter: Letter,
) -> None:
    answer = sign(Client(), letter)
    assert answer["Location"] == f"/letters/{letter.slug}/signed/"


def test_a_form_sent_back_from_the_embed_shows_its_errors_inside_the_frame(
    letter: Letter,
) -> None:
    answer = embed_sign(letter, email="not an address")

    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert '<input type="hidden" name="embed" value="1">' in answer.text
    assert 'class="site"' not in answer.text  # the embed's page, not the letter's
    assert policy(answer)["frame-ancestors"] == "*"
    assert Signature.objects.count() == 0


def test_the_embeds_form_is_refused_from_another_sites_page(letter: Letter) -> None:
    """The frame's form posts from our origin; a copy of it on the news site's own page
    is another site's form, and the Origin check refuses it as on the letter page."""
    answer = Client().post(
        f"/letters/{letter.slug}/sign/",
        {"name": "Mallory", "email": "m@example.org", "display": "full", "embed": "1"},
        HTTP_ORIGIN=NEWS,
    )

    assert answer.status_code == 403
    assert Signature.objects.count() == 0


def test_a_busy_network_is_asked_for_the_challenge_inside_the_frame(
    letter: Letter, settings: Any
) -> None:
    settings.SIGNATURE_RATE_LIMIT = "1/h"
    assert embed_sign(letter, email="first@example.org").status_code == 302

    asked = embed_sign(letter, email="second@example.org")

    assert asked.status_code == 429
    assert "data-sign-challenge data-required" in asked.text
    assert '<input type="hidden" name="embed" value="1">' in asked.text
    assert policy(asked)["frame-ancestors"] == "*"
    assert Signature.objects.count() == 1


def test_the_flow_sets_no_cookie_so_a_browser_blocking_third_party_ones_signs_all_the_same(
    letter: Letter,
) -> None:
    client = Client()
    answers = [
        client.get(f"/letters/{letter.slug}/embed/"),
        client.get(f"/letters/{letter.slug}/challenge.json"),
        client.get(f"/letters/{letter.slug}/count.json"),
        sign(client, letter, embed="1"),
        client.get(f"/letters/{letter.slug}/embed/signed/"),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 302, 200]
    assert [dict(answer.cookies) for answer in answers] == [{}] * len(answers)


def test_the_embed_is_a_public_page_any_cache_may_keep(letter: Letter) -> None:
    embed = Client().get(f"/letters/{letter.slug}/embed/")
    thanks = Client().get(f"/letters/{letter.slug}/embed/signed/")

    assert embed["Cache-Control"] == "public, max-age=1, stale-while-revalidate=10"
    assert thanks["Cache-Control"] == "public, max-age=300, stale-while-revalidate=10"


@pytest.mark.django_db(transaction=True)
def test_the_page_cache_serves_the_embed_with_its_letters_frame_policy(
    organisation: Organisation, settings: Any
) -> None:
    """What may frame the embed depends on the letter alone, so the bytes and headers the
    page cache keeps (lib/page_cache.py) are right for every site that frames it."""
    settings.LETTER_CACHE_SECONDS = 60
    settings.GROUP_COMMIT = False
    letter = make_letter(organisation, slug=f"embed-{uuid.uuid4().hex[:12]}")
    Letter.objects.filter(pk=letter.pk).update(embed_origins=[NEWS])

    rendered, kept = call(f"/letters/{letter.slug}/embed/"), call(f"/letters/{letter.slug}/embed/")

    assert kept.queries == 0
    assert kept.body == rendered.body
    assert kept.header("Content-Security-Policy") == rendered.header("Content-Security-Policy")
    assert f"frame-ancestors 'self' {NEWS}" in str(kept.header("Content-Security-Policy"))
    assert kept.header("X-Frame-Options") is None


def test_a_closed_letters_embed_shows_its_count_and_no_form(letter: Letter) -> None:
    letter_close(letter=letter)

    page = Client().get(f"/letters/{letter.slug}/embed/").text

    assert "Signing has closed" in page
    assert "data-count-url" in page
    assert 'name="embed"' not in page


def test_a_draft_has_no_embed(organisation: Organisation) -> None:
    draft = make_letter(organisation, slug="not-yet", publish=False)
    assert Client().get(f"/letters/{draft.slug}/embed/").status_code == 404


def test_the_embed_reads_in_the_signers_language(letter: Letter) -> None:
    page = Client().get(f"/es/letters/{letter.slug}/embed/").text
    assert '<html lang="es">' in page
    assert 'action="/es/letters/no-cameras-on-our-trams/sign/"' in page


def edit(client: Client, letter: Letter, **changes: str) -> Any:
    url = f"/dashboard/letters/{letter.slug}/"
    return client.post(url, {**form_values(client.get(url)), **changes})


def test_an_organiser_lists_the_sites_that_may_show_the_form(olu: Client, letter: Letter) -> None:
    editor = olu.get(f"/dashboard/letters/{letter.slug}/").text
    assert "Sites that may show the sign form" in editor

    answer = edit(
        olu,
        letter,
        embed_origins="https://News.example/\n\nhttps://*.paper.example\nhttps://news.example",
    )

    assert answer.status_code == 302, answer.text
    letter.refresh_from_db()
    assert letter.embed_origins == [NEWS, "https://*.paper.example"]
    # Shown again as typed, one a line, for the next edit.
    assert form_values(olu.get(f"/dashboard/letters/{letter.slug}/"))["embed_origins"] == (
        f"{NEWS}\nhttps://*.paper.example"
    )


def test_an_address_that_is_no_site_is_refused_and_nothing_changes(
    olu: Client, letter: Letter
) -> None:
    answer = edit(olu, letter, embed_origins=f"{NEWS}\nnews.example/articles\nhttps://a.example/x")

    assert answer.status_code == 200
    assert "“news.example/articles” is not the address of a site." in answer.text
    assert "“https://a.example/x” is not the address of a site." in answer.text
    letter.refresh_from_db()
    assert letter.embed_origins == []


def test_a_header_cannot_be_smuggled_in_through_a_site(olu: Client, letter: Letter) -> None:
    edit(olu, letter, embed_origins="https://news.example; script-src *")
    letter.refresh_from_db()
    assert letter.embed_origins == []
    assert policy(Client().get(f"/letters/{letter.slug}/embed/"))["frame-ancestors"] == "*"
