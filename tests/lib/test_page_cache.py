"""The page cache in front of Django, as `undersigned serve` runs it: the real WSGI
application, called with the environ a WSGI server builds.

A page served from the cache runs no Django at all, so the test's connection sees no
query for it: that, and the same bytes and ETag, is how these tests know it was kept.
"""

import io
import itertools
import json
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import Letter
from undersigned.lib.page_cache import PageCache, page_cached
from undersigned.organisations.models import Organisation
from undersigned.wsgi import application

# The WSGI server's connection is not the test's transaction: what the pages read is
# committed, as it is in production.
pytestmark = pytest.mark.django_db(transaction=True)

CACHE_CONTROL = "public, max-age=1, stale-while-revalidate=10"


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    queries: int

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        assert len(values) <= 1, (name, values)
        return values[0] if values else None


def call(
    path: str,
    *,
    method: str = "GET",
    query: str = "",
    body: bytes = b"",
    **headers: str,
) -> Answer:
    """Call the production WSGI application as a WSGI server would; HTTP headers are
    given as environ keys (HTTP_ACCEPT_LANGUAGE="fr")."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **headers,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return None

    with CaptureQueriesContext(connection) as queries:
        result = application(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    status, headers_sent = started
    return Answer(int(status.split()[0]), list(headers_sent), content, len(queries))


@pytest.fixture(autouse=True)
def _pages_kept(settings: Any) -> None:
    """Pages kept for a minute, as a process would keep them (conftest keeps none);
    signatures written inline, with no writer thread holding a connection."""
    settings.LETTER_CACHE_SECONDS = 60
    settings.GROUP_COMMIT = False


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    """A published letter whose address no other test has: the cache is the process's."""
    return make_letter(organisation, slug=f"cached-{uuid.uuid4().hex[:12]}", goal=1000)


def confirmed(letter: Letter, email: str) -> None:
    """A confirmed signature, written without the process keeping the letter's version."""
    with override_settings(LETTER_CACHE_SECONDS=0):
        signed_and_confirmed(letter, email)


def count(letter: Letter) -> Answer:
    return call(f"/letters/{letter.slug}/count.json")


def total(answer: Answer) -> int:
    assert answer.status == 200
    return int(json.loads(answer.body)["total_signatures"])


def test_the_production_application_is_behind_the_page_cache() -> None:
    assert isinstance(application, PageCache)


def test_a_second_get_of_a_letter_page_is_served_kept_without_a_query(letter: Letter) -> None:
    first = call(f"/letters/{letter.slug}/")
    second = call(f"/letters/{letter.slug}/")

    assert first.status == 200
    assert first.queries > 0
    assert letter.title.encode() in first.body
    assert first.header("ETag")
    assert second.status == 200
    assert second.queries == 0
    assert second.body == first.body
    assert second.header("ETag") == first.header("ETag")
    assert second.header("Content-Type") == first.header("Content-Type")


def test_the_letter_page_and_its_count_may_be_kept_by_any_cache_for_a_second(
    letter: Letter,
) -> None:
    for page in (f"/letters/{letter.slug}/", f"/letters/{letter.slug}/count.json"):
        rendered, kept = call(page), call(page)
        assert rendered.header("Cache-Control") == CACHE_CONTROL, page
        assert kept.queries == 0, page
        assert kept.header("Cache-Control") == CACHE_CONTROL, page


def test_a_matching_if_none_match_is_answered_304_without_a_body(letter: Letter) -> None:
    page = f"/letters/{letter.slug}/"
    etag = call(page).header("ETag")
    assert etag is not None

    for asked in (etag, f'"someone-else", {etag}', "*"):
        answer = call(page, HTTP_IF_NONE_MATCH=asked)
        assert answer.status == 304, asked
        assert answer.body == b""
        assert answer.queries == 0
        assert answer.header("ETag") == etag
        assert answer.header("Cache-Control") == CACHE_CONTROL
        assert answer.header("Content-Length") is None


def test_an_etag_that_does_not_match_gets_the_whole_page(letter: Letter) -> None:
    page = f"/letters/{letter.slug}/"
    first = call(page)

    answer = call(page, HTTP_IF_NONE_MATCH='"an-older-page"')

    assert answer.status == 200
    assert answer.body == first.body
    assert answer.header("ETag") == first.header("ETag")


def test_a_query_string_is_never_served_from_the_cache_nor_kept(letter: Letter) -> None:
    page = f"/letters/{letter.slug}/"
    kept = call(page)

    asked = [call(page, query="utm_source=mastodon") for _ in range(2)]

    assert all(answer.status == 200 and answer.queries > 0 for answer in asked)
    assert all(answer.header("ETag") is None for answer in asked)
    assert call(page).header("ETag") == kept.header("ETag")


def test_pages_expire(letter: Letter, settings: Any) -> None:
    settings.LETTER_CACHE_SECONDS = 0.05
    page = f"/letters/{letter.slug}/"
    call(page)

    time.sleep(0.1)  # past the page's time: not a measurement, a wait
    again = call(page)

    assert again.status == 200
    assert again.queries > 0


def test_count_json_is_kept_through_a_new_confirmation(letter: Letter) -> None:
    before = count(letter)
    assert total(before) == 0

    confirmed(letter, "first.counted@example.org")
    kept = count(letter)

    assert kept.queries == 0
    assert kept.body == before.body


def test_count_json_shows_a_confirmation_once_its_page_expires(
    letter: Letter, settings: Any
) -> None:
    settings.LETTER_CACHE_SECONDS = 0.05
    assert total(count(letter)) == 0

    confirmed(letter, "second.counted@example.org")
    time.sleep(0.1)  # past the page's time
    fresh = count(letter)

    assert fresh.queries > 0
    assert total(fresh) == 1


def test_with_one_language_every_accept_language_gets_the_one_english_page(
    letter: Letter,
) -> None:
    page = f"/letters/{letter.slug}/"
    english = call(page, HTTP_ACCEPT_LANGUAGE="en")

    french = call(page, HTTP_ACCEPT_LANGUAGE="fr")
    none = call(page)

    assert english.header("Content-Language") == "en"
    assert french.queries == 0
    assert french.body == english.body
    assert french.header("Content-Language") == "en"
    assert none.queries == 0
    assert none.header("Content-Language") == "en"


def test_each_language_has_its_own_page_at_its_own_address(letter: Letter, settings: Any) -> None:
    english_page, spanish_page = f"/letters/{letter.slug}/", f"/es/letters/{letter.slug}/"
    english = call(english_page, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    spanish = call(spanish_page, HTTP_ACCEPT_LANGUAGE="es-CL,es;q=0.9")
    spanish_again = call(spanish_page, HTTP_ACCEPT_LANGUAGE="es-AR,es;q=0.8")

    assert english.header("Content-Language") == "en"
    assert spanish.header("Content-Language") == "es"
    assert spanish.body != english.body
    assert spanish_again.queries == 0
    assert spanish_again.body == spanish.body


def test_a_browser_preferring_spanish_is_never_served_the_kept_english_page(
    letter: Letter, settings: Any
) -> None:
    page = f"/letters/{letter.slug}/"
    call(page, HTTP_ACCEPT_LANGUAGE="en")  # kept
    spanish_browser = call(page, HTTP_ACCEPT_LANGUAGE="es-UY,es;q=0.9")
    chose_english = call(
        page,
        HTTP_ACCEPT_LANGUAGE="es-PE,es;q=0.9",
        HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=en",
    )

    assert spanish_browser.status == 302
    assert spanish_browser.header("Location") == f"/es/letters/{letter.slug}/"
    assert chose_english.status == 200
    assert chose_english.queries == 0
    assert chose_english.header("Content-Language") == "en"


# Views of this module's own, for what no public page of the project does: answer a
# POST with 200, set a cookie, or answer other than 200, while marked for the cache.
served = itertools.count(1)


@csrf_exempt
def echo(request: HttpRequest) -> HttpResponseBase:
    response = HttpResponse(f"{request.method} {next(served)}")
    return page_cached(response, 60)


def with_cookie(request: HttpRequest) -> HttpResponseBase:
    response = HttpResponse(f"cookie {next(served)}")
    response.set_cookie("seen", "yes")
    return page_cached(response, 60)


def teapot(request: HttpRequest) -> HttpResponseBase:
    return page_cached(HttpResponse(f"teapot {next(served)}", status=418), 60)


urlpatterns = [
    path("echo/", echo),
    path("cookie/", with_cookie),
    path("teapot/", teapot),
]


@pytest.fixture
def own_views(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


@pytest.mark.usefixtures("own_views")
def test_a_post_is_never_served_from_the_cache_nor_kept() -> None:
    kept = call("/echo/").body
    assert kept.startswith(b"GET ")
    assert call("/echo/").body == kept

    posted = [call("/echo/", method="POST", body=b"a=1").body for _ in range(2)]

    assert posted[0] != posted[1]
    assert all(body.startswith(b"POST ") for body in posted)
    assert call("/echo/").body == kept


@pytest.mark.usefixtures("own_views")
def test_a_response_setting_a_cookie_is_never_kept() -> None:
    answers = [call("/cookie/") for _ in range(2)]

    assert answers[0].body != answers[1].body
    assert all(answer.header("Set-Cookie") for answer in answers)
    assert all(answer.header("ETag") is None for answer in answers)


@pytest.mark.usefixtures("own_views")
def test_only_a_200_answer_is_kept() -> None:
    answers = [call("/teapot/") for _ in range(2)]

    assert [answer.status for answer in answers] == [418, 418]
    assert answers[0].body != answers[1].body
    assert all(answer.header("ETag") is None for answer in answers)
