"""How long we, and any CDN, may keep a public page."""

from typing import TypeVar

from django.http.response import HttpResponseBase

Response = TypeVar("Response", bound=HttpResponseBase)

# How long past max-age a cache may go on serving a page while it fetches a new one in the
# background: under load every visitor gets an answer at once, none older than a second or
# two, and a quiet page is fetched again by its first visitor.
STALE_WHILE_REVALIDATE = 10


def cacheable(response: Response, seconds: int = 1) -> Response:
    """Public pages hold no per-visitor state, so anyone may cache them for a while."""
    response["Cache-Control"] = (
        f"public, max-age={seconds}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"
    )
    return response
