"""POSTing one body to an endpoint's URL, and what came back.

The host is looked up once, each address it gives is checked, and the connection goes to
the address that was checked: a name that answers a public address when checked and a
private one a moment later (DNS rebinding) cannot point the worker at the operator's own
network. Redirects are not followed, for the same reason; a 3xx is an answer like a 500.

http.client rather than urllib.request: urllib connects by name, so it would look the
host up again after the check, and it follows redirects.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT_SECONDS = 10
# What the log keeps of an answer's body: enough to read a receiver's error message.
ANSWER_KEPT = 300
USER_AGENT = "undersigned-webhooks/1"


class Refused(Exception):
    """The URL may not be sent to, whatever it would answer."""


@dataclass(frozen=True)
class Answer:
    status: int | None  # None when nothing answered
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def private_allowed() -> bool:
    """Whether endpoints may be on loopback or private networks: by default only with
    DEBUG, on a laptop; an operator whose CRM runs on their own network turns it on."""
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", settings.DEBUG))


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global or private_allowed()


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        address = _address_checked(host, port)
        connection = _connection(parts.scheme, host, port, address)
        try:
            connection.request(
                "POST",
                path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    **headers,
                },
            )
            response = connection.getresponse()
            said = response.read(ANSWER_KEPT).decode("utf-8", "replace").strip()
        finally:
            connection.close()
    except Refused as refusal:
        return Answer(None, str(refusal))
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, _described(error))
    if 200 <= response.status < 300:
        return Answer(response.status)
    return Answer(response.status, f"HTTP {response.status} {response.reason}: {said}".strip(": "))


def _address_checked(host: str, port: int) -> str:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise Refused(f"{host} could not be looked up ({error.strerror}).") from error
    addresses = [str(sockaddr[0]) for _family, _type, _proto, _name, sockaddr in found]
    for address in addresses:
        if address_allowed(address):
            return address
    raise Refused(
        f"{host} is on a private network or this machine ({', '.join(sorted(set(addresses)))}):"
        " not sent."
    )


def _connection(scheme: str, host: str, port: int, address: str) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHTTPSConnection(host, port, address=address)
    if scheme == "http":
        return _PinnedHTTPConnection(host, port, address=address)
    raise Refused(f"Only http and https URLs are sent to, not {scheme}.")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """A connection to `host` (its Host header) made to the address that was checked."""

    def __init__(self, host: str, port: int, *, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the host's name."""

    def __init__(self, host: str, port: int, *, address: str) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=TIMEOUT_SECONDS, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def _described(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return f"No answer within {TIMEOUT_SECONDS} seconds."
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    return f"{type(error).__name__}: {error}"[:ANSWER_KEPT]
