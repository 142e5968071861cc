"""The language of a page: in its URL, picked from the browser at first, switched by a link.

Every page people read lives at one address per language: English, the default, without a
prefix (`/letters/lifts/`) and every other language under its code (`/es/letters/lifts/`),
so that a cache can never hand one language's page to someone asking for another.

A visitor arriving at an unprefixed page whose browser prefers another language we have is
sent, once, to that language's address; one who picked a language with the switcher is
sent to the one they picked. The choice is remembered in a cookie holding only the
language's code (`LANGUAGE_COOKIE_NAME`), set by the switcher's link and nothing else: it
says nothing about who the visitor is, and no page sets it on its own.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

# Methods of a request that only reads: the only ones sent on to another language.
READING = ("GET", "HEAD")


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    url: str  # this page in that language, by way of the switcher's link
    path: str  # this page in that language, straight
    current: bool


def language_prefix(path: str) -> str:
    """The language a path names by its prefix ("" for none, the default language)."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in _codes() and first != settings.LANGUAGE_CODE else ""


def preferred_language(cookie: str, accept_language: str) -> str:
    """The language a visitor chose with the switcher, else the one their browser prefers
    of ours, else the default."""
    if cookie in _codes():
        return cookie
    for code, _quality in parse_accept_lang_header(accept_language):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


def page_languages(request: HttpRequest) -> list[Language]:
    """Each language of the site, with this page's address in it, for the switcher."""
    current = translation.get_language()
    path = request.get_full_path()
    return [
        Language(code, name, switch_url(path, code), translated_path(path, code), code == current)
        for code, name in settings.LANGUAGES
    ]


def translated_path(path: str, code: str) -> str:
    """`path` in language `code`, or `path` itself where it has no other language."""
    return str(translate_url(path, code))


def switch_url(path: str, code: str) -> str:
    """The switcher's link to `path` in language `code`, which also remembers the choice."""
    from django.urls import reverse  # the URL conf imports views that import this module

    there = quote(translated_path(path, code), safe="/")
    return f"{reverse('language_choose', args=[code])}?next={there}"


def _codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


class LanguageFromBrowser:
    """Sends a visitor reading an unprefixed page to the language they prefer, if it is
    another of ours: the switcher's choice, else their browser's first language we have.

    Only reading requests move, so a form is never sent on; a page answered for the default
    language says it varies with the cookie and the Accept-Language header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        moved = self._elsewhere(request)
        if moved is not None:
            return moved
        response = self.get_response(request)
        if request.method in READING and not language_prefix(request.path_info):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def _elsewhere(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in READING or language_prefix(request.path_info):
            return None
        wanted = preferred_language(
            request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
            request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
        )
        if wanted == settings.LANGUAGE_CODE:
            return None
        target = translated_path(request.path_info, wanted)
        if target == request.path_info:  # a path with no other language: the API, say
            return None
        query = request.META.get("QUERY_STRING", "")
        response = HttpResponseRedirect(f"{target}?{query}" if query else target)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response["Cache-Control"] = "private, max-age=0"
        return response
