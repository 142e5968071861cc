"""A receiving endpoint on loopback, an owner's endpoint that points at it, and the round
as the worker runs it."""

import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from tests.e2e.conftest import browser, page  # noqa: F401  (the fixtures, for the story)
from undersigned.accounts.models import User
from undersigned.organisations.models import Organisation
from undersigned.webhooks.endpoints import endpoint_create
from undersigned.webhooks.folding import webhooks_fold
from undersigned.webhooks.models import SUBSCRIBABLE, WebhookDelivery, WebhookEndpoint


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server that keeps every POST and answers each with the next of `answers`
    (200 once they run out)."""

    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/undersigned?key=crm-key"

    def of_type(self, event_type: str) -> list[Received]:
        return [request for request in self.received if request.json["type"] == event_type]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.answers.pop(0) if receiver.answers else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"the CRM is down for maintenance")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _loopback_allowed(settings: Any) -> None:
    """The receiver is on loopback, which production refuses (tests of that turn it off)."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def endpoint(organisation: Organisation, organiser: User, receiver: Receiver) -> WebhookEndpoint:
    return endpoint_create(
        organisation=organisation,
        url=receiver.url,
        events=[choice.value for choice in SUBSCRIBABLE],
        description="Our CRM",
        by=organiser,
    )


def fold() -> int:
    """The round, reading every row written so far."""
    return webhooks_fold(settled_before=timezone.now() + timedelta(seconds=1))


def bodies() -> list[str]:
    return list(WebhookDelivery.objects.values_list("body", flat=True))


def hmac_sha256(key: bytes, message: bytes) -> str:
    """HMAC (RFC 2104) over SHA-256, written out here so the test checks the signatures
    against something other than the code that made them."""
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key) + message).digest()
    return hashlib.sha256(bytes(k ^ 0x5C for k in key) + inner).hexdigest()


def signature_valid(request: Received, secret: str) -> bool:
    """As a receiver checks it: t and v1 from the header, HMAC of "t.body" under the secret."""
    header = request.headers["Undersigned-Signature"]
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac_sha256(secret.encode(), fields["t"].encode() + b"." + request.body)
    return secrets.compare_digest(expected, fields["v1"])
