"""A watcher sees the count climb without reloading, and a screen reader hears it now and
then, not on every change (static/js/live-count.js)."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import Letter
from undersigned.lib.page_cache import Environ, PageCache, StartResponse
from undersigned.organisations.models import Organisation

pytestmark = pytest.mark.browser

# Before the page's scripts run: the number asks as often as the test says, and every text
# the polite status takes is written down, in order.
WATCH = """
document.addEventListener("readystatechange", () => {
  const number = document.querySelector("[data-count-url]");
  const status = document.querySelector("[data-count-status]");
  if (!number || !status) return;
  number.dataset.pollMs = "%d";
  window.said = [];
  new MutationObserver(() => window.said.push(status.textContent))
    .observe(status, { childList: true, characterData: true, subtree: true });
}, { once: true });
"""
# A tab the test hides and shows, as a browser does when its window is put away.
HIDEABLE = """
let hidden = false;
Object.defineProperty(document, "hidden", { get: () => hidden });
Object.defineProperty(document, "visibilityState", { get: () => (hidden ? "hidden" : "visible") });
window.hide = (value) => {
  hidden = value;
  document.dispatchEvent(new Event("visibilitychange"));
};
"""


class Answers(list[tuple[str, str]]):
    """What the server answered each request for count.json: the If-None-Match it came
    with, and the status line."""

    @property
    def not_modified(self) -> int:
        return sum(1 for asked, status in self if asked and status.startswith("304 "))


@pytest.fixture
def answers(live_server: Any, settings: Any) -> Iterator[Answers]:
    """The live server behind the page cache, as `undersigned serve` runs it (wsgi.py),
    keeping pages a fifth of a second; what it answered for count.json."""
    settings.LETTER_CACHE_SECONDS = 0.2
    server = live_server.thread.httpd
    django = server.get_app()
    cached = PageCache(django)
    seen = Answers()

    def recorded(environ: Environ, start_response: StartResponse) -> Any:
        def start(status: str, headers: Any, exc_info: Any = None) -> Any:
            if environ["PATH_INFO"].endswith("/count.json"):
                seen.append((environ.get("HTTP_IF_NONE_MATCH", ""), status))
            return start_response(status, headers, exc_info)

        return cached(environ, start)

    server.set_app(recorded)
    yield seen
    server.set_app(django)


@pytest.fixture
def watcher(browser: Any, live_server: Any, answers: Answers) -> Iterator[Callable[..., Page]]:
    """A tab on a letter's page, asking for its count every `poll_ms`. Its HTTP cache is
    on, unlike the other stories' tabs (tests/e2e/conftest.py: page), so that it sends
    the ETag it holds."""
    context = browser.new_context()
    context.set_default_timeout(10_000)

    def watch(letter: Letter, *, poll_ms: int = 200, hideable: bool = False) -> Page:
        tab = context.new_page()
        tab.add_init_script(WATCH % poll_ms + (HIDEABLE if hideable else ""))
        tab.goto(f"{live_server.url}/letters/{letter.slug}/")
        return tab

    yield watch
    context.close()


def said(tab: Page) -> list[str]:
    return list(tab.evaluate("window.said"))


def test_a_watcher_sees_a_signature_arrive_and_hears_the_count_once(
    watcher: Callable[..., Page], answers: Answers, organisation: Organisation
) -> None:
    letter = make_letter(organisation, slug="drop-the-contract", goal=10)
    signed_and_confirmed(letter, "ada@example.org")
    tab = watcher(letter)
    count, label = tab.locator(".count-number"), tab.locator(".count-label")
    progress = tab.locator("progress.goal")
    status = tab.locator("[data-count-status]")
    expect(count).to_have_text("1")
    expect(label).to_have_text("signature")
    assert count.get_attribute("aria-live") is None  # the number itself says nothing
    assert status.get_attribute("aria-live") == "polite"

    signed_and_confirmed(letter, "bo@example.org")
    expect(count).to_have_text("2")
    expect(label).to_have_text("signatures")
    expect(progress).to_have_js_property("value", 2)
    expect(progress).to_have_text("20%")
    expect(status).to_have_text("2 signatures")

    tab.wait_for_timeout(1_000)  # five polls, each answered "not modified"
    signed_and_confirmed(letter, "cy@example.org")
    expect(count).to_have_text("3")
    expect(progress).to_have_js_property("value", 3)
    tab.wait_for_timeout(500)
    assert said(tab) == ["2 signatures"]  # the next is said 30 s after this one
    assert answers.not_modified >= 4, answers


def test_reaching_the_goal_is_said_at_once(
    watcher: Callable[..., Page], organisation: Organisation
) -> None:
    letter = make_letter(organisation, slug="drop-the-contract", goal=3)
    signed_and_confirmed(letter, "ada@example.org")
    tab = watcher(letter)
    status = tab.locator("[data-count-status]")
    expect(tab.locator(".count-number")).to_have_text("1")

    signed_and_confirmed(letter, "bo@example.org")
    expect(status).to_have_text("2 signatures")
    signed_and_confirmed(letter, "cy@example.org")
    expect(status).to_have_text("Goal reached: 3 signatures")
    expect(tab.locator("progress.goal")).to_have_text("100%")
    assert said(tab) == ["2 signatures", "Goal reached: 3 signatures"]


def test_a_hidden_tab_asks_for_nothing(
    watcher: Callable[..., Page], answers: Answers, organisation: Organisation
) -> None:
    letter = make_letter(organisation, slug="drop-the-contract")
    tab = watcher(letter, hideable=True)
    tab.wait_for_timeout(600)
    assert answers  # shown, it asks
    tab.evaluate("hide(true)")
    tab.wait_for_timeout(300)  # an answer on its way when the tab was hidden lands
    before = len(answers)
    tab.wait_for_timeout(1_200)  # six polls' time
    assert len(answers) == before


def test_a_tab_shown_again_asks_at_once(
    watcher: Callable[..., Page], organisation: Organisation
) -> None:
    letter = make_letter(organisation, slug="drop-the-contract")
    tab = watcher(letter, poll_ms=60_000, hideable=True)
    count = tab.locator(".count-number")
    expect(count).to_have_text("0")
    tab.evaluate("hide(true)")
    signed_and_confirmed(letter, "ada@example.org")
    tab.evaluate("hide(false)")
    expect(count).to_have_text("1", timeout=3_000)  # not in a minute
