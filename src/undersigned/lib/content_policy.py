"""The only ways a view departs from the site's Content-Security-Policy.

Every page runs our own scripts and styles only, and may be framed by no page
(settings.CONTENT_SECURITY_POLICY's `frame-ancestors 'none'`, with `X-Frame-Options:
DENY` for older browsers). A view that must differ says so with one of these decorators,
so that every departure is a line to find and review; docs/security.md lists them.

- `framed_by(*ancestors)`: the view's pages may be framed by the pages of `ancestors`
  (CSP sources: "'self'", "https://news.example", or "*" for any site). The embed of a
  letter's sign form on other sites (pages/embed.py) is the one use: any site, or the
  sites its organisers list; the rest of its policy stays as strict.
- `mail_document`: the view shows an email's HTML inside one of our own pages (the
  preview of an update). Mail needs its inline styles; such a document gets them, and
  nothing else: no script at all, no form, no plugin, sandboxed even when opened alone.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from csp.decorators import csp_replace
from django.views.decorators.clickjacking import xframe_options_exempt, xframe_options_sameorigin

View = TypeVar("View", bound=Callable[..., Any])


def framed_by(*ancestors: str) -> Callable[[View], View]:
    """Let the pages of a view be framed by pages of `ancestors` (CSP frame-ancestors)."""
    if not ancestors:
        raise ValueError("framed_by needs at least one source; the default is 'none'")
    # X-Frame-Options can say only DENY or SAMEORIGIN; browsers that read frame-ancestors
    # ignore it, and an older browser would refuse a frame the policy allows.
    x_frame = xframe_options_sameorigin if ancestors == ("'self'",) else xframe_options_exempt

    def decorate(view: View) -> View:
        return csp_replace({"frame-ancestors": list(ancestors)})(x_frame(view))  # type: ignore[return-value]

    return decorate


MAIL_DOCUMENT_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'none'"],
    "connect-src": ["'none'"],
    "worker-src": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'self'"],
    "sandbox": True,
}


def mail_document(view: View) -> View:
    """An email's HTML framed by our own pages: its inline styles, and nothing that runs."""
    return csp_replace(MAIL_DOCUMENT_POLICY)(xframe_options_sameorigin(view))  # type: ignore[return-value]
