"""The site's Content-Security-Policy on every page, and the only ways a view departs from
it (lib/content_policy.py): framed by named sites (the future embed), or an email's HTML
framed by our own pages."""

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from undersigned.lib.content_policy import framed_by, mail_document

pytestmark = pytest.mark.urls(__name__)


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>A page.</p>")


@framed_by("*")
def embed(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>A letter, embedded.</p>")


@framed_by("'self'")
def framed_here(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>Framed by our pages only.</p>")


@mail_document
def mail(request: HttpRequest) -> HttpResponse:
    return HttpResponse('<p style="color:#555">An update.</p>')


urlpatterns = [
    path("plain/", plain),
    path("embed/", embed),
    path("framed-here/", framed_here),
    path("mail/", mail),
]


def policy(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().partition(" ")[::2] for part in header.split(";"))


def test_every_page_runs_only_our_own_scripts_and_styles_and_is_framed_by_none(
    db: None,
) -> None:
    response = Client().get("/plain/")
    assert policy(response) == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "worker-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    assert response["X-Frame-Options"] == "DENY"


def test_a_view_framed_by_any_site_changes_nothing_else(db: None) -> None:
    response = Client().get("/embed/")
    assert policy(response) == {**policy(Client().get("/plain/")), "frame-ancestors": "*"}
    assert "X-Frame-Options" not in response


def test_a_view_framed_by_our_own_pages_says_sameorigin_to_older_browsers(db: None) -> None:
    response = Client().get("/framed-here/")
    assert policy(response)["frame-ancestors"] == "'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_framed_by_needs_a_source() -> None:
    with pytest.raises(ValueError):
        framed_by()


def test_an_emails_html_gets_its_inline_styles_and_nothing_that_runs(db: None) -> None:
    response = Client().get("/mail/")
    found = policy(response)
    assert found["style-src"] == "'unsafe-inline'"
    assert found["script-src"] == "'none'" and found["default-src"] == "'none'"
    assert found["form-action"] == "'none'" and found["frame-ancestors"] == "'self'"
    assert "sandbox" in found
    assert response["X-Frame-Options"] == "SAMEORIGIN"
