"""Sending one delivery: a task claims it, POSTs its body signed, records the answer, and
after a failure queues itself again, each wait three times the one before.

The claim is a conditional UPDATE (a waiting delivery, due, held by no other attempt), so
the task is safe to run twice: a second run finds it claimed, delivered, or not yet due.
A worker killed in the middle of a POST leaves a claim that runs out, and the task its
lease puts back sends again: a receiver may see an event twice, and tells by its id.
"""

import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from undersigned.signing.models import EventKind, SignatureEvent

from .models import DeliveryState, EventType, WebhookDelivery
from .posting import Answer, post
from .scheme import signed_headers

# Eight tries: at once, then after 1, 3, 9, 27 and 81 minutes, 4 and 12 hours: the last
# some 18 hours after the first, so a receiver down for a night still gets everything.
ATTEMPTS = 8
FIRST_WAIT = timedelta(minutes=1)
GROWTH = 3
# Longer than a POST may take (posting.TIMEOUT_SECONDS for each step), shorter than the
# task's lease (TASK_LEASE_SECONDS), so that a killed attempt is taken up again.
CLAIM = timedelta(seconds=60)
# Signature events after which a body naming the signatory must not go out.
GONE = (EventKind.WITHDRAWN, EventKind.PAPER_REMOVED, EventKind.ERASED)


def wait_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return FIRST_WAIT * GROWTH ** (attempts - 1)


@task()
def send_webhook(delivery_id: int) -> None:
    delivery_attempt(delivery_id=delivery_id)


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """One try at sending the delivery, if it is due and nobody else is trying; the
    delivery as it was left, or None if there was nothing to do."""
    now = timezone.now()
    claim = now + CLAIM
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = WebhookDelivery.objects.filter(
        free, due, pk=delivery_id, state=DeliveryState.WAITING
    ).update(claimed_until=claim, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active and delivery.event_type != EventType.PING:
        return _finished(delivery, claim, DeliveryState.CANCELLED, "The endpoint is turned off.")
    if _signatory_gone(delivery):
        delivery.body_erased = True
        return _finished(
            delivery,
            claim,
            DeliveryState.CANCELLED,
            "The signer withdrew or had their data erased before it went out.",
        )
    body = delivery.body.encode()
    headers = signed_headers(
        secret=endpoint.secret, event_id=delivery.event_id, timestamp=int(time.time()), body=body
    )
    return _recorded(delivery, claim, post(endpoint.url, body, headers))


def _signatory_gone(delivery: WebhookDelivery) -> bool:
    """Whether the delivery names a signatory who withdrew or was erased since it was made
    (only a confirmation names anyone)."""
    confirmation = delivery.event_type == EventType.SIGNATURE_CONFIRMED
    if not confirmation or delivery.signature_id is None or delivery.body_erased:
        return False
    return SignatureEvent.objects.filter(
        signature_id=delivery.signature_id,
        kind__in=GONE,
        pk__gt=delivery.signature_event_id or 0,
    ).exists()


def _recorded(delivery: WebhookDelivery, claim: datetime, answer: Answer) -> WebhookDelivery:
    if answer.ok:
        return _finished(delivery, claim, DeliveryState.DELIVERED, "", answer.status)
    if delivery.attempts >= ATTEMPTS:
        return _finished(delivery, claim, DeliveryState.FAILED, answer.error, answer.status)
    next_at = timezone.now() + wait_after(delivery.attempts)
    retry = {
        "next_attempt_at": next_at,
        "last_status": answer.status,
        "last_error": answer.error[:500],
    }
    with transaction.atomic():
        if _left(delivery, claim, **retry):
            send_webhook.using(run_after=next_at).enqueue(delivery.pk)
    return delivery


def _finished(
    delivery: WebhookDelivery,
    claim: datetime,
    state: DeliveryState,
    error: str,
    status: int | None = None,
) -> WebhookDelivery:
    now = timezone.now()
    changes: dict[str, object] = {
        "state": state,
        "next_attempt_at": None,
        "last_status": status,
        "last_error": error[:500],
        "delivered_at": now if state == DeliveryState.DELIVERED else None,
    }
    if delivery.body_erased:
        changes |= {"body": "", "body_erased": True}
    _left(delivery, claim, **changes)
    return delivery


def _left(delivery: WebhookDelivery, claim: datetime, **changes: object) -> bool:
    """Record the attempt's outcome, unless its claim ran out and another attempt took
    the delivery over meanwhile."""
    left = WebhookDelivery.objects.filter(pk=delivery.pk, claimed_until=claim).update(
        claimed_until=None, **changes
    )
    for name, value in changes.items():
        setattr(delivery, name, value)
    delivery.claimed_until = None
    return bool(left)
