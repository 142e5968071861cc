"""Every page at one address per language: English without a prefix, Spanish under /es/;
the browser's language picks at first, the switcher's choice after, and no page sets a
cookie of its own."""

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import make_letter
from undersigned.organisations.models import Organisation

pytestmark = pytest.mark.django_db

SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}


def test_an_english_page_lives_without_a_prefix(client: Client) -> None:
    response = client.get("/privacy/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_a_spanish_page_lives_under_es(client: Client) -> None:
    response = client.get("/es/privacy/")
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in response.content.decode()


def test_a_spanish_browser_is_sent_to_the_spanish_page_with_its_query(client: Client) -> None:
    response = client.get("/privacy/?x=1", **SPANISH_BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "/es/privacy/?x=1"
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]


def test_a_browser_in_a_language_we_lack_reads_english(client: Client) -> None:
    response = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"


def test_an_english_page_says_it_varies_with_the_language_asked(client: Client) -> None:
    response = client.get("/privacy/")
    assert "Accept-Language" in response["Vary"]
    assert "Cookie" in response["Vary"]


def test_a_form_is_never_sent_on_to_another_language(
    client: Client, organisation: Organisation
) -> None:
    letter = make_letter(organisation)
    response = client.post(f"/letters/{letter.slug}/sign/", {}, **SPANISH_BROWSER)
    assert response.status_code != 302 or not response["Location"].startswith("/es/")


def test_the_switcher_remembers_only_the_language_and_shows_the_page_in_it(
    client: Client,
) -> None:
    response = client.get("/language/en/?next=/privacy/", **SPANISH_BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["samesite"] == "Lax"
    # Chosen English: a Spanish browser now stays on the English page.
    response = client.get("/privacy/", **SPANISH_BROWSER)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"


def test_a_spanish_choice_sends_an_english_address_to_spanish(client: Client) -> None:
    client.get("/language/es/?next=/es/privacy/")
    response = client.get("/privacy/")
    assert response.status_code == 302
    assert response["Location"] == "/es/privacy/"


def test_the_switcher_never_sends_anyone_to_another_site(client: Client) -> None:
    response = client.get("/language/es/?next=https://elsewhere.example/")
    assert response.status_code == 302
    assert response["Location"] == "/es/"


def test_an_unknown_language_is_not_found(client: Client) -> None:
    assert client.get("/language/xx/?next=/").status_code == 404


def test_every_page_links_to_itself_in_each_language(
    client: Client, organisation: Organisation
) -> None:
    letter = make_letter(organisation)
    page = client.get(f"/letters/{letter.slug}/").content.decode()
    assert f'href="/language/es/?next=/es/letters/{letter.slug}/"' in page
    assert f'hreflang="es" href="/es/letters/{letter.slug}/"' in page
    spanish = client.get(f"/es/letters/{letter.slug}/").content.decode()
    assert f'href="/language/en/?next=/letters/{letter.slug}/"' in spanish


def test_public_pages_set_no_cookie_in_either_language(
    client: Client, organisation: Organisation
) -> None:
    letter = make_letter(organisation)
    for path in ["/", f"/letters/{letter.slug}/", "/es/", f"/es/letters/{letter.slug}/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not response.cookies, path


def test_the_api_has_no_language_prefix(client: Client) -> None:
    assert client.get("/es/api/v1/petitions/").status_code == 404
    assert client.get("/api/v1/petitions/", HTTP_ACCEPT_LANGUAGE="es").status_code == 200
