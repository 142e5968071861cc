"""How a webhook is signed (docs/webhooks.md, "Checking the signature").

HMAC-SHA256 under the endpoint's secret, over the timestamp of the attempt, a dot and the
body's bytes: the receiver checks both that we sent it and that it is fresh, so a body
caught on the way cannot be played back later. Each attempt is signed anew.
"""

import hashlib
import hmac

ID_HEADER = "Undersigned-Webhook-Id"
TIMESTAMP_HEADER = "Undersigned-Webhook-Timestamp"
SIGNATURE_HEADER = "Undersigned-Signature"


def signature_of(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(*, secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"t={timestamp},v1={signature_of(secret, timestamp, body)}",
    }
