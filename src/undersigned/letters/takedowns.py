"""A taken-down letter's public pages: every page that reaches a letter through
`access.public_letter` (the letter page and its sign form, signatures, versions, count,
updates and their feed, delivery PDFs, the API) answers 410 Gone with one notice, and
shows nothing of the letter but its category: the harm may be in its title, its body or
its signatures. The organisers' pages reach it through `letter_for_member` and see all."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation

from .models import Letter


class LetterTakenDown(Exception):
    """Raised by `public_letter` for a letter a platform moderator took down."""

    def __init__(self, letter: Letter) -> None:
        super().__init__(letter.slug)
        self.letter = letter


def taken_down_response(request: HttpRequest, letter: Letter) -> HttpResponse:
    if request.path.endswith(".json") or request.path.startswith("/api/"):
        with translation.override(settings.LANGUAGE_CODE):  # the JSON API is in English
            reason = letter.get_takedown_reason_display()
        response: HttpResponse = JsonResponse({"taken_down": True, "reason": reason}, status=410)
    else:
        context = {"reason": letter.get_takedown_reason_display()}
        response = render(request, "letters/taken_down.html", context, status=410)
    response["Cache-Control"] = "no-cache"
    return response


class TakenDownMiddleware:
    """Turns LetterTakenDown, from any public view, into the notice."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, LetterTakenDown):
            return taken_down_response(request, exception.letter)
        return None
