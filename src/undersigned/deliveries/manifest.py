"""A delivery's manifest: what was delivered, the signed tree head its counts come from,
all signed with the instance's key, so a target can check the numbers it received
(docs/transparency.md, "The delivery manifest"; `undersigned verify <manifest>`).

It is built once, when the delivery's files are first built, after appending every event
waiting, so that the latest head covers every signature counted up to the delivery's
cut-off (`until`). Its counts are those of the log at that head's size; `delivered` is the
letter's count at the cut-off, which some prefix of the log adds up to.
"""

import json
from typing import Any

from django.conf import settings
from django.db.models import Sum

from undersigned.signing.models import Level, SignatureEvent
from undersigned.transparency.appending import log_fold
from undersigned.transparency.keys import key_current, statement_sign
from undersigned.transparency.models import LogEntry
from undersigned.transparency.public import head_json, head_latest, log_id_of

from .models import Delivery

MANIFEST_FORMAT = 1
MANIFEST_DOMAIN = "undersigned-delivery-manifest:v1"


def canonical(value: Any) -> bytes:
    """Compact JSON, keys sorted, every non-ASCII character escaped (\\uXXXX): ASCII."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def manifest_signed_bytes(manifest: dict[str, Any]) -> bytes:
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    return f"{MANIFEST_DOMAIN}\n".encode() + canonical(unsigned)


def _iso(moment: Any) -> str:
    return str(moment.isoformat(timespec="seconds").replace("+00:00", "Z"))


def manifest_of(delivery: Delivery) -> dict[str, Any]:
    """The signed manifest of a delivery, appending the log first."""
    letter = delivery.letter
    log_fold()
    head = head_latest(letter)
    log_id = log_id_of(letter)
    total = verified = paper = 0
    head_shown = None
    if head is not None:
        total, verified = head.total, head.verified
        in_log = LogEntry.objects.filter(letter=letter, index__lt=head.size).values("event_id")
        paper = (
            SignatureEvent.objects.filter(pk__in=in_log, level=Level.PAPER).aggregate(
                n=Sum("total_delta")
            )["n"]
            or 0
        )
        head_shown = head_json(head, log_id)
    # The letter's address in the default language, spelled out: reverse() would import
    # the whole URLconf, and with it fpdf2 and the fonts (paper.views), into the worker.
    url = f"{settings.BASE_URL}/letters/{letter.slug}/"
    manifest: dict[str, Any] = {
        "manifest_format": MANIFEST_FORMAT,
        "letter": {"slug": letter.slug, "title": delivery.letter_version.title, "url": url},
        "log": log_id,
        "delivery": delivery.number,
        "until": _iso(delivery.until),
        "text_hash": delivery.letter_version.text_hash,
        "version": delivery.letter_version.number,
        "delivered": {"total": delivery.total, "verified": delivery.verified},
        "counts": {
            "total": total,
            "verified": verified,
            "paper": paper,
            "confirmed": total - verified - paper,
        },
        "head": head_shown,
    }
    while True:  # the key names itself inside what it signs; a rotation meanwhile: again
        manifest["key_id"] = key_current().key_id
        key_id, signature = statement_sign(manifest_signed_bytes(manifest))
        if key_id == manifest["key_id"]:
            manifest["signature"] = signature.hex()
            return manifest


def manifest_text(manifest: dict[str, Any]) -> str:
    """The manifest as stored and served, for people to read too (its signature is over
    its canonical bytes, not these)."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def delivery_manifest_build(delivery: Delivery) -> None:
    """Build and keep the delivery's manifest, once: it says what was delivered then."""
    if delivery.manifest:
        return
    text = manifest_text(manifest_of(delivery))
    Delivery.objects.filter(pk=delivery.pk, manifest="").update(manifest=text)
    delivery.refresh_from_db(fields=["manifest"])
