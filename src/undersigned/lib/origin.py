"""The guard for forms that carry no CSRF token: refuse posts from other sites' pages."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def is_same_origin(request: HttpRequest) -> bool:
    """True unless the browser says the form was posted from a page on another site.

    Browsers send Origin with every form post; where it is absent (old browsers, curl)
    the Referer is used, and with neither the post is let through: the confirmation
    email, not the origin, is what proves a signature.
    """
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True
    sent_from = urlsplit(source)
    origin = f"{sent_from.scheme}://{sent_from.netloc}".lower()
    scheme = request.scheme or "http"
    trusted = {f"{scheme}://{request.get_host()}".lower(), _origin(settings.BASE_URL)}
    return origin in trusted


def _origin(url: str) -> str:
    """The whole origin of a URL: scheme, host and port (RFC 6454)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
