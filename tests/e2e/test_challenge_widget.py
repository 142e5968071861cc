"""The proof-of-work widget in a real browser, under the site's Content-Security-Policy.

Most stories use a tiny sign form, served by the live server through this module's own
URL conf, carrying templates/signing/_challenge.html, so that each case (a dear challenge,
a failing one, a missing widget) is set up in one line. Its POST answers as the real one
does: a solution the server accepts signs; none, or a cheaper one than it asks for, brings
the form back with challenge_required and what the signer typed. The last story signs the
real letter page.
"""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.templatetags.static import static
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from playwright.sync_api import Page, Response, Route, expect

from tests.conftest import make_letter
from undersigned import urls as real_urls
from undersigned.lib.challenge import challenge_new, challenge_verify
from undersigned.lib.network import address_hash
from undersigned.lib.rate_limit import RateLimit
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature

pytestmark = [pytest.mark.browser, pytest.mark.urls(__name__)]

FORM = """{% load static %}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign</title>
<link rel="stylesheet" href="{% static 'css/site.css' %}"></head>
<body><main>
{% if signed %}<p id="signed">Signed by {{ name }}.</p>{% endif %}
<form method="post" action="/sign/?needs={{ needs }}">
  <label for="name">Your name</label>
  <input id="name" name="name" required value="{{ name }}">
  {% include "signing/_challenge.html" %}
  <button type="submit">Sign</button>
</form>
</main></body></html>"""

# What the server saw at each POST: whether it carried a solution it accepted.
posts: list[dict[str, Any]] = []


def render(request: HttpRequest, **context: Any) -> HttpResponse:
    template = engines["django"].from_string(FORM)
    return HttpResponse(template.render(context, request))


# The least the widget needs, as docs/challenge.md says; the site's own policy is stricter
# elsewhere and allows no more of this kind.
LEAST_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; worker-src 'self';"
    " connect-src 'self'; form-action 'self'"
)


def form(request: HttpRequest) -> HttpResponse:
    pressure = request.GET.get("pressure", "0")
    response = render(
        request,
        challenge_url=f"/challenge/?pressure={pressure}",
        needs=request.GET.get("needs", ""),
    )
    if request.GET.get("least"):
        response["Content-Security-Policy"] = LEAST_POLICY
    return response


def challenge(request: HttpRequest) -> HttpResponse:
    return JsonResponse(challenge_new(pressure=int(request.GET["pressure"])))


def sign(request: HttpRequest) -> HttpResponse:
    needs = request.GET.get("needs", "")
    payload = request.POST.get("altcha")
    accepted = challenge_verify(payload or "", pressure=int(needs or 0))
    posts.append({"payload": payload, "accepted": accepted})
    name = request.POST.get("name", "")
    if needs and not accepted:
        return render(
            request,
            challenge_url=f"/challenge/?pressure={needs}",
            challenge_required=True,
            name=name,
            needs=needs,
        )
    return render(request, challenge_url="/challenge/?pressure=0", signed=True, name=name, needs="")


@csrf_exempt  # as the real sign form: no per-visitor token on a cacheable page
def sign_page(request: HttpRequest) -> HttpResponse:
    return sign(request) if request.method == "POST" else form(request)


urlpatterns = [
    path("sign/", sign_page),
    path("challenge/", challenge),
    *real_urls.urlpatterns,
]


# Each page reports, on the console, what its status line says and any CSP violation.
STATUS_AND_CSP = """
document.addEventListener("securitypolicyviolation", (e) =>
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI));
let said = "";
new MutationObserver(() => {
  const status = document.querySelector("[data-challenge-status]");
  if (!status || status.textContent === said) return;
  said = status.textContent;
  if (said) console.log("status: " + said);
}).observe(document, { childList: true, characterData: true, subtree: true });
"""


Seen = dict[str, list[str]]


@pytest.fixture
def watched(page: Page, live_server: Any) -> Iterator[tuple[Page, Seen]]:
    """The page, recording every request and every CSP violation or console error."""
    posts.clear()
    seen: Seen = {"requests": [], "errors": [], "status": []}
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("console", lambda m: note(seen, m.type, m.text))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.add_init_script(STATUS_AND_CSP)
    yield page, seen
    assert [url for url in seen["requests"] if not url.startswith(live_server.url)] == []


def note(seen: Seen, kind: str, text: str) -> None:
    if kind == "error":
        seen["errors"].append(text)
    elif text.startswith("status: "):
        seen["status"].append(text.removeprefix("status: "))


def state(page: Page) -> str:
    return str(page.locator("altcha-widget").evaluate("w => w.getState ? w.getState() : ''"))


def wait_for_state(page: Page, wanted: str, seconds: float = 30) -> None:
    # Polled from here: the page's CSP forbids the eval behind page.wait_for_function.
    deadline = time.monotonic() + seconds
    while state(page) != wanted:
        assert time.monotonic() < deadline, f"the widget is {state(page)!r}, not {wanted!r}"
        page.wait_for_timeout(20)


def test_a_signer_using_the_keyboard_sends_a_solution_with_the_form(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, seen = watched
    response = page.goto(f"{live_server.url}/sign/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe" not in policy and "blob:" not in policy

    page.keyboard.press("Tab")
    expect(page.get_by_label("Your name")).to_be_focused()
    page.keyboard.type("Amara Okafor")
    page.keyboard.press("Enter")

    expect(page.locator("#signed")).to_have_text("Signed by Amara Okafor.")
    assert [post["accepted"] for post in posts] == [True]
    assert seen["errors"] == []
    worker = live_server.url + static("vendor/altcha/workers/pbkdf2.js")  # its hashed name
    assert worker in seen["requests"]


def test_the_widget_needs_no_more_than_scripts_styles_workers_and_fetches_from_us(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, seen = watched
    response = page.goto(f"{live_server.url}/sign/?least=1")
    assert response is not None
    assert response.headers["content-security-policy"] == LEAST_POLICY

    page.get_by_label("Your name").fill("Amara Okafor")
    wait_for_state(page, "verified")
    page.get_by_role("button", name="Sign").click()

    expect(page.locator("#signed")).to_have_text("Signed by Amara Okafor.")
    assert [post["accepted"] for post in posts] == [True]
    assert seen["errors"] == []


def test_a_form_sent_while_solving_waits_for_the_solution(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, seen = watched
    # The dearest challenge (at least 3,200 key derivations, half a second or more on a fast
    # machine), so that the press comes while it is being solved.
    page.goto(f"{live_server.url}/sign/?pressure=6")
    page.get_by_label("Your name").fill("Jonas Weber")
    assert state(page) == "verifying"

    page.get_by_role("button", name="Sign").click()

    expect(page.get_by_role("status")).to_have_text(
        "Checking your browser… this takes a few seconds."
    )
    expect(page.locator("#signed")).to_have_text("Signed by Jonas Weber.", timeout=30_000)
    assert [post["accepted"] for post in posts] == [True]
    assert seen["errors"] == []


def test_a_form_the_server_sends_back_solves_and_sends_itself_again(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, seen = watched
    # The form's own challenge is cheaper than the server asks for when the form arrives.
    page.goto(f"{live_server.url}/sign/?pressure=0&needs=2")
    page.get_by_label("Your name").fill("Lucía Fernández")
    wait_for_state(page, "verified")
    page.get_by_role("button", name="Sign").click()

    expect(page.locator("#signed")).to_have_text("Signed by Lucía Fernández.", timeout=30_000)
    assert seen["status"] == [
        "Checking your browser… this takes a few seconds.",
        "Your browser has been checked. Sending the form…",
    ]
    assert [post["accepted"] for post in posts] == [False, True]
    assert seen["errors"] == []


def test_a_form_sent_back_twice_in_a_minute_waits_for_the_signer(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, _ = watched
    page.goto(f"{live_server.url}/sign/?pressure=0&needs=1")
    page.evaluate(
        "sessionStorage.setItem("
        "'undersigned.challenge.resent:' + document.forms[0].action, String(Date.now()))"
    )
    page.get_by_label("Your name").fill("Kofi Mensah")
    wait_for_state(page, "verified")
    page.get_by_role("button", name="Sign").click()

    expect(page.get_by_role("status")).to_have_text(
        "Your browser has been checked. Please send the form again."
    )
    assert [post["accepted"] for post in posts] == [False]
    page.get_by_role("button", name="Sign").click()
    expect(page.locator("#signed")).to_have_text("Signed by Kofi Mensah.")
    assert [post["accepted"] for post in posts] == [False, True]


def test_a_form_sent_back_whose_challenge_fails_waits_for_the_signer(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, seen = watched
    page.route("**/challenge/*", lambda route: route.fulfill(status=503, body="down"))
    page.goto(f"{live_server.url}/sign/?pressure=0&needs=1")
    page.get_by_label("Your name").fill("Mei Chen")
    # The first touch fetches the widget, whose first solve fails: the press comes after.
    wait_for_state(page, "error")
    page.get_by_role("button", name="Sign").click()

    expect(page.get_by_role("status")).to_have_text(
        "Your browser could not be checked. Please send the form again in a minute."
    )
    expect(page.get_by_label("Your name")).to_have_value("Mei Chen")
    page.wait_for_timeout(500)
    assert [post["accepted"] for post in posts] == [False]
    assert seen["status"] == [
        "Checking your browser… this takes a few seconds.",
        "Your browser could not be checked. Please send the form again in a minute.",
    ]


def test_the_form_is_sent_when_the_challenge_cannot_be_fetched(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, _ = watched
    page.route("**/challenge/*", lambda route: route.fulfill(status=503, body="down"))
    page.goto(f"{live_server.url}/sign/")
    page.get_by_label("Your name").fill("Mei Chen")
    wait_for_state(page, "error")

    page.get_by_role("button", name="Sign").click()

    expect(page.locator("#signed")).to_have_text("Signed by Mei Chen.")
    assert posts == [{"payload": "", "accepted": False}]


def test_the_form_is_sent_when_the_widget_does_not_load(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, _ = watched

    def missing(route: Route) -> None:
        route.fulfill(status=404, body="")

    page.route(f"**{static('vendor/altcha/altcha.min.js')}", missing)
    page.goto(f"{live_server.url}/sign/")
    page.get_by_label("Your name").fill("Mei Chen")
    page.get_by_role("button", name="Sign").click()

    expect(page.locator("#signed")).to_have_text("Signed by Mei Chen.")
    assert posts == [{"payload": None, "accepted": False}]


def test_a_reader_who_never_touches_the_form_never_fetches_the_widget(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, seen = watched
    page.goto(f"{live_server.url}/sign/")
    page.wait_for_timeout(300)
    assert not [url for url in seen["requests"] if "/vendor/altcha/" in url]
    assert state(page) == ""

    page.get_by_label("Your name").focus()
    wait_for_state(page, "verified")
    assert live_server.url + static("vendor/altcha/altcha.min.js") in seen["requests"]


def test_solving_takes_well_under_a_second_at_no_pressure(
    watched: tuple[Page, Seen], live_server: Any
) -> None:
    page, _ = watched
    page.goto(f"{live_server.url}/sign/")
    page.get_by_label("Your name").focus()  # the first touch fetches the widget and solves
    wait_for_state(page, "verified")

    took = solve_time(page)

    assert took < 1.0, took


def solve_time(page: Page) -> float:
    """Seconds from asking the widget to solve to its solution, challenge fetch included."""
    started = time.monotonic()
    page.locator("altcha-widget").evaluate("w => { w.reset(); return w.verify(); }")
    assert state(page) == "verified"
    return time.monotonic() - started


def test_a_signer_on_a_busy_network_signs_through_the_challenge_unawares(
    watched: tuple[Page, Seen], live_server: Any, settings: Any, organisation: Organisation
) -> None:
    settings.SIGNATURE_RATE_LIMIT = "1/h"
    letter = make_letter(organisation, slug="busy-network")
    page, seen = watched
    answers: list[int] = []

    def answered(response: Response) -> None:
        if response.request.method == "POST":
            answers.append(response.status)

    page.on("response", answered)
    page.goto(f"{live_server.url}/letters/{letter.slug}/")
    # Her first touch of the form fetches a challenge at no pressure, and solves it.
    page.get_by_label("Full name", exact=True).fill("Amara Okafor")
    wait_for_state(page, "verified")
    # Meanwhile three colleagues behind the same address sign: her solution is now too cheap.
    colleagues = RateLimit.parse("sign", settings.SIGNATURE_RATE_LIMIT)
    for ip in ("127.0.0.1", "::1"):
        for _ in range(3):
            colleagues.count(address_hash(ip))
    page.get_by_label("Email address", exact=True).fill("amara@example.org")
    page.get_by_role("button", name="Sign", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email", timeout=30_000)
    assert Signature.objects.get(letter=letter).name == "Amara Okafor"
    assert answers == [429, 302]  # sent back for a dearer solution, then signed
    assert seen["status"][0] == "Checking your browser… this takes a few seconds."
    assert [error for error in seen["errors"] if "CSP" in error] == []
