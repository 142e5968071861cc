"""A news site embeds the sign form: its article, served from another origin on loopback
(127.0.0.1, while the live server is `localhost`), carries the code copied from the
letter's share panel, and a reader signs inside it without leaving the article."""

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Frame, FrameLocator, Page, Response, expect

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import Letter
from undersigned.lib.network import address_hash
from undersigned.lib.rate_limit import RateLimit
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature

pytestmark = pytest.mark.browser

# The two snippets of the share panel, by their labels.
FRAME = "Or a frame alone, of a fixed height"
SCRIPT = "With a script that fits the frame to the form"

ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>The Daily Tram</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main style="max-width: %(width)s; margin: 0 auto">
<h1>City signs a camera contract</h1>
<p>Northwind will watch every tram stop. Readers can say what they think:</p>
%(snippet)s
<p>The council meets on Monday.</p>
</main></body></html>"""


class NewsSite:
    """A site of its own on 127.0.0.1: each article is the HTML the test gives it."""

    def __init__(self) -> None:
        self.articles: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.articles.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, path: str, snippet: str, width: str = "44rem") -> str:
        self.articles[path] = ARTICLE % {"snippet": snippet, "width": width}
        return self.origin + path


@pytest.fixture
def news_site() -> Iterator[NewsSite]:
    site = NewsSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(organisation, slug="no-cameras-on-our-trams", goal=100)


def copied(page: Page, live_server: Any, letter: Letter, label: str) -> str:
    """The code as an editor at the news site copies it from the letter's share panel."""
    page.goto(f"{live_server.url}/letters/{letter.slug}/")
    page.get_by_text("Put the sign form on your site").click()
    return page.get_by_label(label).input_value()


def the_form(page: Page) -> FrameLocator:
    return page.frame_locator("iframe[title='Sign: Drop the camera contract']")


def frame_of(page: Page, path: str) -> Frame:
    """The frame of the page whose address ends with `path`, once it has loaded."""
    for _ in range(100):
        for frame in page.main_frame.child_frames:
            if frame.url.endswith(path) or frame.url.startswith("chrome-error:"):
                return frame
        page.wait_for_timeout(100)
    raise AssertionError(f"no frame of {path}: {[frame.url for frame in page.frames]}")


def eventually(check: Callable[[], bool], page: Page, seconds: float = 10) -> None:
    """Wait for `check`, asked from here: our pages' CSP forbids the eval behind
    page.wait_for_function inside the frame."""
    for _ in range(int(seconds * 20)):
        if check():
            return
        page.wait_for_timeout(50)
    assert check()


def sign_in_frame(form: FrameLocator, name: str, email: str) -> None:
    form.get_by_label("Full name", exact=True).fill(name)
    form.get_by_label("Email address", exact=True).fill(email)
    form.get_by_role("button", name="Sign", exact=True).click()


def test_a_reader_signs_inside_the_article_without_leaving_it(
    page: Page, live_server: Any, letter: Letter, news_site: NewsSite
) -> None:
    article = news_site.publish("/camera-contract", copied(page, live_server, letter, FRAME))
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text))
    page.goto(article)
    form = the_form(page)
    expect(form.get_by_role("heading", level=1)).to_have_text("Drop the camera contract")
    expect(form.locator(".count-number")).to_have_text("0")

    sign_in_frame(form, "Amara Okafor", "amara@example.org")

    expect(form.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert page.url == article
    signature = Signature.objects.get(letter=letter)
    assert (signature.name, signature.source) == ("Amara Okafor", "embed")
    # Nothing the frame's page does breaks our policy (its <base target> among them).
    assert [line for line in said if "Content Security Policy" in line] == []


def test_the_count_in_the_frame_moves_as_people_sign(
    page: Page, live_server: Any, letter: Letter, news_site: NewsSite
) -> None:
    page.goto(news_site.publish("/count", copied(page, live_server, letter, FRAME)))
    form = the_form(page)
    expect(form.locator(".count-number")).to_have_text("0")

    signed_and_confirmed(letter, "ada@example.org")

    expect(form.locator(".count-number")).to_have_text("1", timeout=15_000)
    expect(form.locator(".count-label")).to_have_text("signature")


def test_the_script_makes_the_frame_as_wide_as_its_column_and_as_tall_as_the_form(
    page: Page, live_server: Any, letter: Letter, news_site: NewsSite
) -> None:
    snippet = copied(page, live_server, letter, SCRIPT)
    page.goto(news_site.publish("/narrow", snippet, width="320px"))
    frame = page.locator("iframe[title='Sign: Drop the camera contract']")
    inside = frame_of(page, f"/letters/{letter.slug}/embed/")
    expect(the_form(page).get_by_role("button", name="Sign", exact=True)).to_be_visible()

    def fits() -> bool:
        tall = inside.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
        return abs(frame.evaluate("f => f.clientHeight") - tall) <= 1

    eventually(fits, page)
    assert frame.evaluate("f => f.clientWidth") == 320
    # Nothing in the frame scrolls: not sideways in a narrow column, not down.
    assert inside.evaluate("document.scrollingElement.scrollWidth") <= 320
    assert inside.evaluate(
        "document.scrollingElement.scrollHeight <= document.scrollingElement.clientHeight"
    )

    # The form sent back with its errors is taller: the frame grows with it.
    before = frame.evaluate("f => f.clientHeight")
    the_form(page).get_by_role("button", name="Sign", exact=True).click()
    expect(the_form(page).get_by_role("alert").first).to_be_visible()
    page.wait_for_function(f"f => f.clientHeight > {before}", arg=frame.element_handle())
    inside = frame_of(page, f"/letters/{letter.slug}/sign/")
    eventually(fits, page)


def test_a_busy_network_signs_through_the_challenge_inside_the_frame(
    page: Page, live_server: Any, letter: Letter, news_site: NewsSite, settings: Any
) -> None:
    settings.SIGNATURE_RATE_LIMIT = "1/h"
    page.goto(news_site.publish("/busy", copied(page, live_server, letter, FRAME)))
    posts: list[int] = []

    def answered(response: Response) -> None:
        if response.request.method == "POST":
            posts.append(response.status)

    page.on("response", answered)
    form = the_form(page)
    form.get_by_label("Full name", exact=True).fill("Amara Okafor")
    # Her first touch of the form fetched a challenge at no pressure, and solved it.
    widget = form.locator("altcha-widget")
    eventually(lambda: widget.evaluate("w => w.getState ? w.getState() : ''") == "verified", page)
    # Colleagues behind the same address sign meanwhile: her solution is now too cheap.
    colleagues = RateLimit.parse("sign", settings.SIGNATURE_RATE_LIMIT)
    for ip in ("127.0.0.1", "::1"):
        for _ in range(3):
            colleagues.count(address_hash(ip))
    form.get_by_label("Email address", exact=True).fill("amara@example.org")
    form.get_by_role("button", name="Sign", exact=True).click()

    expect(form.get_by_role("heading", level=1)).to_have_text("Check your email", timeout=30_000)
    assert Signature.objects.get(letter=letter).name == "Amara Okafor"
    assert posts[0] == 429 and posts[-1] == 302  # sent back for a solution, then signed


def test_only_the_sites_the_organisers_list_may_show_the_form(
    page: Page, live_server: Any, letter: Letter, news_site: NewsSite
) -> None:
    snippet = copied(page, live_server, letter, FRAME)
    Letter.objects.filter(pk=letter.pk).update(embed_origins=["https://elsewhere.example"])

    page.goto(news_site.publish("/not-listed", snippet))
    assert frame_of(page, f"/letters/{letter.slug}/embed/").url.startswith("chrome-error:")

    Letter.objects.filter(pk=letter.pk).update(embed_origins=[news_site.origin])
    page.goto(news_site.publish("/listed", snippet))
    expect(the_form(page).get_by_role("button", name="Sign", exact=True)).to_be_visible()


def test_no_other_page_of_ours_may_be_framed(
    page: Page, live_server: Any, letter: Letter, news_site: NewsSite
) -> None:
    for path in (f"/letters/{letter.slug}/", f"/letters/{letter.slug}/signed/", "/"):
        snippet = f'<iframe src="{live_server.url}{path}" title="Ours"></iframe>'
        page.goto(news_site.publish(f"/framing{path}", snippet))
        assert frame_of(page, path).url.startswith("chrome-error:"), path


def test_the_reader_leaves_the_frame_for_any_other_page_of_ours(
    page: Page, live_server: Any, letter: Letter, news_site: NewsSite
) -> None:
    page.goto(news_site.publish("/links", copied(page, live_server, letter, FRAME)))
    with page.context.expect_page() as opened:
        the_form(page).get_by_role("link", name="Read the whole letter").click()
    tab = opened.value
    expect(tab).to_have_url(f"{live_server.url}/letters/{letter.slug}/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Drop the camera contract")
