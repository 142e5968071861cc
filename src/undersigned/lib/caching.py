"""How long we, and any CDN, may keep a public page."""

from typing import TypeVar

from django.http.response import HttpResponseBase

Response = TypeVar("Response", bound=HttpResponseBase)


def cacheable(response: Response, seconds: int = 1) -> Response:
    """Public pages hold no per-visitor state, so anyone may cache them for a while."""
    response["Cache-Control"] = f"public, max-age={seconds}"
    return response
