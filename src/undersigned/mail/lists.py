"""The headers that make a message to many people a good citizen of their inbox."""

from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


def list_headers(*, list_name: str, list_slug: str, unsubscribe_url: str) -> dict[str, str]:
    """List-Id (RFC 2919) and a one-click List-Unsubscribe (RFC 2369, RFC 8058).

    The unsubscribe URL must answer a POST of "List-Unsubscribe=One-Click" without a login,
    a cookie or a CSRF token, and must not unsubscribe on a GET: scanners prefetch links.
    """
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    return {
        "List-Id": formataddr((list_name, f"{list_slug}.updates.{host}")),
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def sender_on_behalf_of(name: str) -> str:
    """'"Center for Media Justice via undersigned" <noreply@…>': the site's own address,
    which its SPF and DKIM cover, under the organisation's name."""
    _site_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((_("%(organisation)s via undersigned") % {"organisation": name}, address))
