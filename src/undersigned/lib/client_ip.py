"""The address a request came from, for rate limits and the abuse defences.

Without a proxy it is the connection's own address. Behind proxies, each one the operator
trusts appends the address it saw to `X-Forwarded-For` (or sets a header of its own), and
the client's address is the one the outermost trusted proxy wrote: counted from the right,
`TRUSTED_PROXY_HOPS` values in. Anything to the left of it came from the client, which can
write whatever it likes there, so the left-most value is never trusted.
docs/deploy.md says how to configure nginx, Caddy and a CDN.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: from the trusted proxy hop when proxies are configured."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    header = request.headers.get(settings.CLIENT_IP_HEADER, "")
    return forwarded_client(header, hops) or remote


def forwarded_client(header: str, hops: int) -> str:
    """The address `hops` values from the right of a forwarding header, or "" if there is
    none or it is not an address. A header shorter than the chain of trusted proxies means
    one of them did not write to it; its left-most value was then still written by one."""
    values = [value.strip() for value in header.split(",") if value.strip()]
    if not values:
        return ""
    candidate = values[-min(hops, len(values))]
    if candidate.startswith("[") and "]" in candidate:  # "[2001:db8::1]:443"
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # "203.0.113.9:51234"
        candidate = candidate.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return ""
