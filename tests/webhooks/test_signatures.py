"""Every delivery is signed as docs/webhooks.md says: checked here by an HMAC written out
in the test (conftest.hmac_sha256), and by the snippet the docs give receivers."""

import re
import time
from pathlib import Path
from typing import Any

from tests.conftest import run_tasks, signed_and_confirmed
from tests.webhooks.conftest import Receiver, fold, hmac_sha256, signature_valid
from undersigned.letters.models import Letter
from undersigned.webhooks.endpoints import endpoint_test
from undersigned.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

DOCS = Path(__file__).parents[2] / "docs" / "webhooks.md"


def docs_snippet() -> dict[str, Any]:
    """The docs' Python verification snippet, run as a receiver would paste it."""
    text = DOCS.read_text()
    section = text.split("## Checking the signature", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "docs/webhooks.md has no Python snippet under 'Checking the signature'"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(DOCS), "exec"), namespace)  # noqa: S102  (our own docs)
    return namespace


def test_it_signs_a_test_with_the_endpoints_secret(
    endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    delivery = endpoint_test(endpoint=endpoint)
    run_tasks()

    [request] = receiver.received
    assert request.path == "/hooks/undersigned?key=crm-key"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Undersigned-Webhook-Id"] == delivery.event_id
    assert signature_valid(request, endpoint.secret)
    timestamp = int(request.headers["Undersigned-Webhook-Timestamp"])
    assert abs(time.time() - timestamp) < 60
    assert request.headers["Undersigned-Signature"].startswith(f"t={timestamp},v1=")
    assert request.json["type"] == "ping"
    assert request.json["id"] == delivery.event_id
    assert request.body == WebhookDelivery.objects.get().body.encode()
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED


def test_a_changed_body_or_another_secret_does_not_verify(
    endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    endpoint_test(endpoint=endpoint)
    run_tasks()

    [request] = receiver.received
    changed = type(request)(request.path, request.headers, request.body.replace(b"test", b"TEST"))
    assert not signature_valid(changed, endpoint.secret)
    assert not signature_valid(request, endpoint.secret + "x")


def test_every_event_is_signed(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter
) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    fold()
    run_tasks()

    [request] = receiver.received
    assert request.json["type"] == "signature.confirmed"
    assert signature_valid(request, endpoint.secret)


def test_the_docs_snippet_accepts_a_delivery_and_refuses_a_changed_or_old_one(
    endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    verified = docs_snippet()["verified"]
    endpoint_test(endpoint=endpoint)
    run_tasks()
    [request] = receiver.received
    header = request.headers["Undersigned-Signature"]

    assert verified(endpoint.secret, header, request.body)
    assert not verified(endpoint.secret, header, request.body + b" ")
    assert not verified("whsec_another", header, request.body)
    assert not verified(endpoint.secret, "v1=abc", request.body)
    old = int(time.time()) - 6 * 60
    signed_then = hmac_sha256(endpoint.secret.encode(), f"{old}.".encode() + request.body)
    assert not verified(endpoint.secret, f"t={old},v1={signed_then}", request.body)
    recent = int(time.time()) - 4 * 60
    signed_recently = hmac_sha256(endpoint.secret.encode(), f"{recent}.".encode() + request.body)
    assert verified(endpoint.secret, f"t={recent},v1={signed_recently}", request.body)
