"""A full-page cache in front of Django: a public page is rendered once a second or so by
each web process, and its bytes are served to everyone else meanwhile, with an ETag that
answers a conditional GET with 304.

A view opts in with `page_cached(response, seconds)`; only a GET without a query string,
answered 200 without a cookie being set, is kept. Public pages hold no per-visitor state
(DESIGN.md), so the bytes one visitor got are right for any other asking in the same
language, which is part of the key (decided as Django's LocaleMiddleware decides it), and
over HTTPS or not, as the other part (a plain-HTTP request gets Django's redirect instead).
A page served from here skips Django entirely: no middleware, no view, no query.
"""

import functools
import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpResponseBase
from django.http.cookie import parse_cookie
from django.utils import translation

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

# Bound on the pages a process keeps: each letter's page and count, in a few languages.
MAX_PAGES = 500
# How long past its time a page is served while one thread renders it again: short, so
# that a count a render under load is slow to replace is still at most a second late.
STALE_SECONDS = 1.0


def page_cached(response: HttpResponseBase, seconds: float) -> HttpResponseBase:
    """Let the page cache keep this response for `seconds` (nothing where it is 0)."""
    response.page_cache_seconds = seconds  # type: ignore[attr-defined]  # read by PageCache
    return response


@dataclass(frozen=True)
class _Page:
    expires: float
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str


class PageCache:
    """WSGI middleware that keeps and serves the pages views marked with page_cached."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self._pages: dict[tuple[str, str, bool], _Page] = {}
        self._rendering: set[tuple[str, str, bool]] = set()
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        key = (environ.get("PATH_INFO", ""), _language(environ), _secure(environ))
        page = self._pages.get(key)
        now = time.monotonic()
        if page is not None and page.expires > now:
            return _answer(page, environ, start_response)
        # One thread renders an expired page again; meanwhile the others serve it as it was,
        # for a few seconds at most: a slow page is never rendered by every thread at once.
        claimed = self._claim(key)
        if not claimed and page is not None and page.expires + STALE_SECONDS > now:
            return _answer(page, environ, start_response)
        try:
            return self._render(key, environ, start_response)
        finally:
            if claimed:
                self._rendering.discard(key)

    def _claim(self, key: tuple[str, str, bool]) -> bool:
        with self._lock:
            if key in self._rendering:
                return False
            self._rendering.add(key)
            return True

    def _render(
        self, key: tuple[str, str, bool], environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        started: list[Any] = []

        def defer(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers, exc_info]
            return _no_write

        result = self.app(environ, defer)
        seconds = getattr(result, "page_cache_seconds", 0)
        status, headers, exc_info = started
        if not seconds or not status.startswith("200 ") or _sets_cookie(headers):
            self._pages.pop(key, None)  # a page that went (a letter unpublished, say)
            start_response(status, headers, exc_info)
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        headers = [(name, value) for name, value in headers if name.lower() != "etag"]
        headers.append(("ETag", etag))
        page = _Page(time.monotonic() + seconds, status, headers, body, etag)
        with self._lock:
            if len(self._pages) >= MAX_PAGES:
                self._pages.clear()
            self._pages[key] = page
        return _answer(page, environ, start_response)


def _answer(page: _Page, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    asked = environ.get("HTTP_IF_NONE_MATCH", "")
    if asked and (asked.strip() == "*" or page.etag in (tag.strip() for tag in asked.split(","))):
        kept = {"cache-control", "etag", "vary", "content-language", "expires", "date"}
        start_response("304 Not Modified", [(n, v) for n, v in page.headers if n.lower() in kept])
        return []
    start_response(page.status, page.headers)
    return [page.body]


def _no_write(data: bytes) -> None:
    raise NotImplementedError("the page cache supports no write() callable")


def _sets_cookie(headers: list[tuple[str, str]]) -> bool:
    return any(name.lower() == "set-cookie" for name, _value in headers)


def _secure(environ: Environ) -> bool:
    """Whether Django would find the request secure: a page kept from an HTTPS request is
    not served to a plain-HTTP one, which SECURE_SSL_REDIRECT sends to HTTPS instead."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        header, value = proxy_header
        if header in environ:
            return bool(environ[header].split(",", 1)[0].strip() == value)
    return bool(environ.get("wsgi.url_scheme") == "https")


def _language(environ: Environ) -> str:
    cookie = environ.get("HTTP_COOKIE", "")
    chosen = parse_cookie(cookie).get(settings.LANGUAGE_COOKIE_NAME, "") if cookie else ""
    return _language_for(chosen, environ.get("HTTP_ACCEPT_LANGUAGE", ""))


@functools.lru_cache(maxsize=512)
def _language_for(cookie: str, accept_language: str) -> str:
    """The language LocaleMiddleware picks for a request with this cookie and header."""
    return translation.get_language_from_request(_LanguageAsked(cookie, accept_language))  # type: ignore[arg-type]


class _LanguageAsked:
    """What get_language_from_request reads of a request, and nothing else."""

    def __init__(self, cookie: str, accept_language: str) -> None:
        self.COOKIES = {settings.LANGUAGE_COOKIE_NAME: cookie} if cookie else {}
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept_language}
        self.path_info = "/"
