"""The body of each event, in the API's shapes (api/resources.py), so a CRM reads the same
signature and the same petition wherever it gets them.

A signature is what the organisers' export shows of it, through the presenter: never an
address, a hidden name as "Anonymous". A withdrawn or erased signature is no longer there
to show, and its events carry only what a signature event holds: ids, level, time. The
other events carry numbers, times, the letter's link and a target's public answer: no
signer is named in them.
"""

import json
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone, translation

from undersigned.api.resources import (
    ORIGIN_SYSTEM,
    absolute,
    answer_resource,
    delivery_resource,
    link,
    signature_resource,
)
from undersigned.deliveries.models import Delivery, Response
from undersigned.letters.models import Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature, SignatureEvent
from undersigned.updates.models import Milestone


def body_json(event_id: str, event_type: str, created_at: datetime, data: dict[str, Any]) -> str:
    body = {"id": event_id, "type": event_type, "created_at": created_at.isoformat(), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def petition_ref(letter: Letter) -> dict[str, Any]:
    """Enough of the letter to find it, here and in the API; not its whole text."""
    return {
        "identifiers": [f"{ORIGIN_SYSTEM}:{letter.slug}"],
        "slug": letter.slug,
        "title": letter.title,
        "browser_url": absolute(letter.get_absolute_url()),
        "_links": {"self": link(reverse("api-1:petition", kwargs={"slug": letter.slug}))},
    }


def signature_data(
    event: SignatureEvent, letter: Letter, signature: Signature | None
) -> dict[str, Any]:
    """The signatory as the organisers' export shows them, in the letter's language, when
    `signature` is given; otherwise only its identifier."""
    if signature is None:
        shown: dict[str, Any] = {
            "identifiers": [f"{ORIGIN_SYSTEM}:signature-{event.signature_id}"],
            "_links": {"osdi:petition": petition_ref(letter)["_links"]["self"]},
        }
    else:
        with translation.override(letter.language):
            shown = signature_resource(signature, letter)
    return {
        "event": event.kind,
        "level": event.level,
        "signature": shown,
        "petition": petition_ref(letter),
    }


def milestone_data(milestone: Milestone) -> dict[str, Any]:
    return {
        "milestone": {
            "identifiers": [f"{ORIGIN_SYSTEM}:milestone-{milestone.pk}"],
            "goal": milestone.goal,
            "next_goal": milestone.next_goal,
            "reached_date": milestone.reached_at.isoformat(),
        },
        "petition": petition_ref(milestone.letter),
    }


def delivery_data(delivery: Delivery) -> dict[str, Any]:
    return {"delivery": delivery_resource(delivery), "petition": petition_ref(delivery.letter)}


def answer_data(response: Response) -> dict[str, Any]:
    return {"answer": answer_resource(response), "petition": petition_ref(response.letter)}


def ping_data(organisation: Organisation, endpoint_id: int) -> dict[str, Any]:
    return {
        "message": "A test from undersigned: this endpoint is reached and its secret works.",
        "webhook": {"identifiers": [f"{ORIGIN_SYSTEM}:webhook-{endpoint_id}"]},
        "organisation": {"name": organisation.name, "slug": organisation.slug},
        "sent_date": timezone.now().isoformat(),
    }
