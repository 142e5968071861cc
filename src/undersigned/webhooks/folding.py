"""The round that turns what happened into deliveries: for each endpoint, the rows each
source gained since the endpoint last read it (an id cursor per source), one delivery per
event it asked for, each delivery's sending queued in the transaction that makes it.

The apps below know nothing of webhooks: the round reads their rows. A signature event
is written in the transaction that counts the signature, so reading the events misses no
acknowledged signature. Signature events, milestones, deliveries and responses:

- `signature.confirmed`: an event that made a signature count (confirmed, verified, or a
  moderator cleared or restored it);
- `signature.withdrawn`, `signature.erased`: a confirmed signature withdrawn, or its
  personal data erased; and every body of this endpoint that named the signatory loses it;
- `signature.invalidated`: a moderator took a counted signature off the count;
- `milestone.reached`, `answer.recorded`: each new row;
- `letter.delivered`: a delivery once it is delivered. Deliveries are made first and
  delivered later, so that cursor stops before the first one still under way.

Ids are handed out as rows are written, and a row written by a transaction that commits
later than one with a higher id would be behind the cursor before it could be seen. So
the round reads only rows older than `SETTLE`: a transaction that wrote a row commits
within it (they commit in milliseconds). Each endpoint's cursors are claimed with a
conditional UPDATE; a delivery is made at most once per endpoint and event (its unique
`event_id`), so a round run twice, or two at once, makes each one once.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django_tasks import task

from undersigned.background.recurring import recurring_next, recurring_start
from undersigned.deliveries.models import Delivery, DeliveryStatus, Response
from undersigned.letters.models import Letter
from undersigned.signing.models import EventKind, Level, Signature, SignatureEvent
from undersigned.updates.models import Milestone

from . import bodies
from .models import DeliveryState, EventType, WebhookDelivery, WebhookEndpoint
from .sending import send_webhook

ROUND_EVERY = timedelta(seconds=5)
SETTLE = timedelta(seconds=5)
# Rows of one source read for one endpoint at a time, and how many times a round reads
# again when there were more.
BATCH = 500
PASSES = 20
# How long the delivery log is kept: its bodies name signatories.
LOG_KEPT = timedelta(days=30)

# Each source, the endpoint's cursor on it, and the field that says when a row was written.
SOURCES: dict[str, tuple[type[models.Model], str]] = {
    "signature_events_seen": (SignatureEvent, "created_at"),
    "milestones_seen": (Milestone, "reached_at"),
    "deliveries_seen": (Delivery, "created_at"),
    "responses_seen": (Response, "created_at"),
}
FINAL = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)
GONE = {
    EventKind.WITHDRAWN: EventType.SIGNATURE_WITHDRAWN,
    # A batch from paper removed by its organisers: its signatures are deleted, as withdrawn.
    EventKind.PAPER_REMOVED: EventType.SIGNATURE_WITHDRAWN,
    EventKind.ERASED: EventType.SIGNATURE_ERASED,
}


@task()
def webhooks_round() -> None:
    now = timezone.now()
    webhooks_fold(settled_before=now - SETTLE)
    deliveries_forget(before=now - LOG_KEPT)
    recurring_next(webhooks_round, every=ROUND_EVERY)


def webhooks_schedule() -> None:
    """Start the webhooks round unless one is already under way (a worker starts)."""
    recurring_start(webhooks_round, every=ROUND_EVERY)


def cursors_latest() -> dict[str, int]:
    """Every source's newest id: where a new endpoint starts reading."""
    return {
        cursor: model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
        for cursor, (model, _stamp) in SOURCES.items()
    }


def webhooks_fold(*, settled_before: datetime) -> int:
    """Fold every source's rows written before `settled_before` into deliveries; returns
    how many deliveries were made."""
    endpoints = list(WebhookEndpoint.objects.all())
    if not endpoints:
        return 0
    frontier = {
        cursor: _newest_before(model, stamp, settled_before)
        for cursor, (model, stamp) in SOURCES.items()
    }
    made = 0
    for _pass in range(PASSES):
        folds = [endpoint_fold(endpoint, frontier) for endpoint in endpoints]
        made += sum(fold.made for fold in folds)
        endpoints = [endpoint for endpoint, fold in zip(endpoints, folds, strict=True) if fold.more]
        if not endpoints:
            break
    return made


def deliveries_forget(*, before: datetime) -> int:
    deleted, _by_model = (
        WebhookDelivery.objects.filter(created_at__lt=before)
        .exclude(state=DeliveryState.WAITING)
        .delete()
    )
    return deleted


def _newest_before(model: type[models.Model], stamp: str, moment: datetime) -> int:
    rows = model._default_manager.filter(**{f"{stamp}__lt": moment}).order_by("-pk")
    return rows.values_list("pk", flat=True).first() or 0


@dataclass
class Fold:
    """What one endpoint's reading of the sources made, and where it got to."""

    cursors: dict[str, int]
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    # Signatures withdrawn or erased, by id, with the event that did it.
    gone: dict[int, int] = field(default_factory=dict)
    more: bool = False
    made: int = 0


def endpoint_fold(endpoint: WebhookEndpoint, frontier: dict[str, int]) -> Fold:
    """Read each source past the endpoint's cursors, up to `frontier`, and record what it
    asked for; nothing if another round moved its cursors meanwhile."""
    read = {cursor: getattr(endpoint, cursor) for cursor in SOURCES}
    fold = Fold(cursors=dict(read))
    _signature_events(endpoint, fold, frontier["signature_events_seen"])
    _milestones(endpoint, fold, frontier["milestones_seen"])
    _deliveries(endpoint, fold, frontier["deliveries_seen"])
    _responses(endpoint, fold, frontier["responses_seen"])
    with transaction.atomic():
        if not WebhookEndpoint.objects.filter(pk=endpoint.pk, **read).update(**fold.cursors):
            return Fold(cursors=read)
        _bodies_erase(endpoint, fold.gone)
        fold.made = len(_deliveries_make(endpoint, fold.deliveries))
    for cursor, seen in fold.cursors.items():
        setattr(endpoint, cursor, seen)
    return fold


def _rows(
    endpoint: WebhookEndpoint, model: type[models.Model], after: int, upto: int
) -> models.QuerySet[Any]:
    return model._default_manager.filter(
        letter__organisation_id=endpoint.organisation_id, pk__gt=after, pk__lte=upto
    ).order_by("pk")


def _advance(fold: Fold, cursor: str, rows: list[Any], upto: int) -> None:
    """Past every row read, or to the frontier when fewer than a batch were left."""
    if len(rows) == BATCH:
        fold.cursors[cursor] = rows[-1].pk
        fold.more = True
    else:
        fold.cursors[cursor] = max(fold.cursors[cursor], upto)


def signature_event_type(event: SignatureEvent) -> EventType | None:
    """Which webhook a signature event makes, if any: they follow the count."""
    if event.kind in GONE:
        # A signature never confirmed was never told of, and its end is no news either.
        return GONE[EventKind(event.kind)] if event.level != Level.PENDING else None
    if event.total_delta > 0:
        return EventType.SIGNATURE_CONFIRMED
    if event.total_delta < 0:
        return EventType.SIGNATURE_INVALIDATED
    return None


def _signature_events(endpoint: WebhookEndpoint, fold: Fold, upto: int) -> None:
    cursor = "signature_events_seen"
    events = list(_rows(endpoint, SignatureEvent, fold.cursors[cursor], upto)[:BATCH])
    _advance(fold, cursor, events, upto)
    wanted = [
        (event, kind)
        for event in events
        if (kind := signature_event_type(event)) is not None and endpoint.wants(kind)
    ]
    fold.gone = {event.signature_id: event.pk for event in events if event.kind in GONE}
    letters = _letters(event.letter_id for event, _kind in wanted)
    shown = Signature.objects.in_bulk(
        [event.signature_id for event, kind in wanted if kind == EventType.SIGNATURE_CONFIRMED]
    )
    for event, kind in wanted:
        signature = shown.get(event.signature_id)
        if kind == EventType.SIGNATURE_CONFIRMED and signature is None:
            continue  # withdrawn since: its withdrawal is on its way
        letter = letters[event.letter_id]
        data = bodies.signature_data(event, letter, signature)
        delivery = _delivery(f"signature-event-{event.pk}", kind, event.created_at, data)
        delivery.signature_id = event.signature_id
        delivery.signature_event_id = event.pk
        fold.deliveries.append(delivery)


def _milestones(endpoint: WebhookEndpoint, fold: Fold, upto: int) -> None:
    cursor = "milestones_seen"
    milestones = _rows(endpoint, Milestone, fold.cursors[cursor], upto).select_related("letter")
    rows = list(milestones[:BATCH])
    _advance(fold, cursor, rows, upto)
    if not endpoint.wants(EventType.MILESTONE_REACHED):
        return
    for milestone in rows:
        fold.deliveries.append(
            _delivery(
                f"milestone-{milestone.pk}",
                EventType.MILESTONE_REACHED,
                milestone.reached_at,
                bodies.milestone_data(milestone),
            )
        )


def _deliveries(endpoint: WebhookEndpoint, fold: Fold, upto: int) -> None:
    cursor = "deliveries_seen"
    rows = list(
        _rows(endpoint, Delivery, fold.cursors[cursor], upto)
        .select_related("letter", "letter_version")
        .prefetch_related("targets")[:BATCH]
    )
    under_way = next((row for row in rows if row.status not in FINAL), None)
    if under_way is None:
        _advance(fold, cursor, rows, upto)
    else:
        # Read again from the first delivery still under way, until it is delivered or not.
        fold.cursors[cursor] = max(fold.cursors[cursor], under_way.pk - 1)
    if not endpoint.wants(EventType.LETTER_DELIVERED):
        return
    for delivery in rows:
        if delivery.status == DeliveryStatus.DELIVERED:
            fold.deliveries.append(
                _delivery(
                    f"delivery-{delivery.pk}",
                    EventType.LETTER_DELIVERED,
                    delivery.delivered_at or delivery.created_at,
                    bodies.delivery_data(delivery),
                )
            )


def _responses(endpoint: WebhookEndpoint, fold: Fold, upto: int) -> None:
    cursor = "responses_seen"
    rows = list(
        _rows(endpoint, Response, fold.cursors[cursor], upto).select_related(
            "letter", "target", "delivery"
        )[:BATCH]
    )
    _advance(fold, cursor, rows, upto)
    if not endpoint.wants(EventType.ANSWER_RECORDED):
        return
    for response in rows:
        fold.deliveries.append(
            _delivery(
                f"answer-{response.pk}",
                EventType.ANSWER_RECORDED,
                response.created_at,
                bodies.answer_data(response),
            )
        )


def _letters(ids: Iterable[int]) -> dict[int, Letter]:
    return Letter.objects.select_related("organisation").in_bulk(set(ids))


def _delivery(
    event_id: str, event_type: EventType, created_at: datetime, data: dict[str, Any]
) -> WebhookDelivery:
    return WebhookDelivery(
        event_id=event_id,
        event_type=event_type,
        body=bodies.body_json(event_id, event_type, created_at, data),
        next_attempt_at=timezone.now(),
    )


def _deliveries_make(
    endpoint: WebhookEndpoint, deliveries: list[WebhookDelivery]
) -> list[WebhookDelivery]:
    """Record the deliveries not already made, each with its sending queued."""
    made = set(
        WebhookDelivery.objects.filter(
            endpoint=endpoint, event_id__in=[delivery.event_id for delivery in deliveries]
        ).values_list("event_id", flat=True)
    )
    new = [delivery for delivery in deliveries if delivery.event_id not in made]
    for delivery in new:
        delivery.endpoint = endpoint
    WebhookDelivery.objects.bulk_create(new)
    for delivery in new:
        send_webhook.enqueue(delivery.pk)
    return new


def _bodies_erase(endpoint: WebhookEndpoint, gone: dict[int, int]) -> None:
    """A signer who withdrew or was erased is named in none of this endpoint's bodies made
    before: kept ones are blanked, waiting ones are not sent."""
    if not gone:
        return
    named = WebhookDelivery.objects.filter(
        endpoint=endpoint,
        event_type=EventType.SIGNATURE_CONFIRMED,
        signature_id__in=list(gone),
        body_erased=False,
    ).values_list("pk", "signature_id", "signature_event_id")
    before = [pk for pk, signature, event in named if (event or 0) < gone[signature or 0]]
    if not before:
        return
    WebhookDelivery.objects.filter(pk__in=before, state=DeliveryState.WAITING).update(
        state=DeliveryState.CANCELLED,
        next_attempt_at=None,
        last_error="The signer withdrew or had their data erased before it went out.",
    )
    WebhookDelivery.objects.filter(pk__in=before).update(body="", body_erased=True)
