"""What every public answer of the API carries: a Cache-Control anyone may honour, an ETag
made from its bytes and a 304 for a client that already holds them, and CORS for any
site, since nothing in it is personal."""

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import conditional_page

from undersigned.lib.caching import cacheable

# A list of letters or signatures changes at most as often as the count is read afresh.
PUBLIC_SECONDS = 5


API_PATH = "/api/v1/"
# What a script on another site may send: a preflight allows these, and nothing else.
ALLOWED_HEADERS = "If-None-Match, Authorization, Content-Type"


def public_answer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    conditional = conditional_page(view)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = conditional(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code in (200, 304):
            cacheable(response, PUBLIC_SECONDS)
        elif response.status_code >= 400:
            response["Cache-Control"] = "no-cache"
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag"
        return response

    return wrapper


class ReadMethods:
    """HEAD and a browser's CORS preflight (OPTIONS) on the API, which its operations,
    routed by method, would refuse: a HEAD is answered as its GET without the body, a
    preflight as any site may read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PATH):
            return self.get_response(request)
        if request.method == "OPTIONS":
            return preflight()
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        if not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response


def preflight() -> HttpResponse:
    """The answer to a browser's CORS preflight: any site may read, GET only."""
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Max-Age"] = "86400"
    return response


def schema_answer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema and its docs page: public, the same for everyone, cached for a minute."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        cacheable(response, 60)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


def private_answer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An organiser's answer: revalidated by ETag, never kept by a shared cache."""
    conditional = conditional_page(view)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = conditional(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Authorization"
        return response

    return wrapper
