"""Deliveries as background tasks: build the files, then email them to each target once."""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from undersigned.letters.models import Letter, Status
from undersigned.mail.lists import sender_on_behalf_of
from undersigned.mail.messages import (
    RETRY_DELAYS,
    Outcome,
    TemporaryFailure,
    message_build,
    messages_send_once,
)

from .build_child import delivery_files_build_isolated
from .documents import delivery_for_build
from .manifest import delivery_manifest_build
from .models import Delivery, DeliveryStatus, DeliveryTarget, Method

logger = logging.getLogger(__name__)


@task()
def build_delivery(delivery_id: int, attempt: int = 1) -> None:
    delivery = _loaded(delivery_id)
    if delivery is None:
        return
    if delivery.files_event_id is None:
        # In a child process: the worker never keeps fpdf2 and the fonts loaded.
        delivery_files_build_isolated(delivery)
    if not delivery.manifest:
        delivery_manifest_build(delivery)
    if delivery.method == Method.MANUAL:
        assert delivery.delivered_at is not None
        _delivered(delivery, delivery.delivered_at)
        return
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PREPARING).update(
        status=DeliveryStatus.SENDING
    )
    try:
        _email(delivery)
    except TemporaryFailure:
        if attempt > len(RETRY_DELAYS):
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.FAILED, error="The mail relay could not be reached."
            )
            raise
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        build_delivery.using(run_after=run_after).enqueue(delivery_id, attempt=attempt + 1)


@task()
def rebuild_delivery_files(delivery_id: int) -> None:
    """After a signer withdrew: the public PDF and the CSV without them."""
    delivery = _loaded(delivery_id)
    if delivery is not None:
        delivery_files_build_isolated(delivery)


def _loaded(delivery_id: int) -> Delivery | None:
    return delivery_for_build(delivery_id)


def _delivered(delivery: Delivery, at: datetime) -> None:
    """The delivery is on the record; a letter whose signing it closed now reads
    "delivered", and so does a letter closed before."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.DELIVERED).update(
            status=DeliveryStatus.DELIVERED, delivered_at=at
        )
        Letter.objects.filter(pk=delivery.letter_id, status=Status.CLOSED).update(
            status=Status.DELIVERED
        )
        # Signers' data is kept retention_days from the last delivery (signing/retention.py).
        Letter.objects.filter(
            Q(retention_from__isnull=True) | Q(retention_from__lt=at), pk=delivery.letter_id
        ).update(retention_from=at)
        delivery.letter.story_changed()


def _email(delivery: Delivery) -> None:
    """The letter with its PDF and CSV to each target not yet sent to; the delivery is
    delivered once the relay took it for at least one of them."""
    letter = delivery.letter
    organisation = letter.organisation
    waiting = list(
        delivery.recipients.filter(sent_at__isnull=True, refused="").select_related("target")
    )
    pdf = delivery.pdf.read()
    csv = delivery.csv.read()
    context = {
        "delivery": delivery,
        "letter": letter,
        "organisation": organisation,
        "letter_url": settings.BASE_URL + letter.get_absolute_url(),
        "carried": letter.shown_number(delivery.signatures),
    }
    batch = []
    for recipient in waiting:
        message = message_build(
            "deliveries/email/delivery",
            to=recipient.target.email_address,
            context={**context, "target": recipient.target},
            from_email=sender_on_behalf_of(organisation.name),
            reply_to=organisation.contact_email,
        )
        name = f"{letter.slug}-{delivery.number}"
        message.attach(f"{name}.pdf", pdf, "application/pdf")
        message.attach(f"{name}-signatories.csv", csv, "text/csv")
        if delivery.manifest:
            message.attach(f"{name}-manifest.json", delivery.manifest, "application/json")
        batch.append((f"delivery:{delivery.pk}:{recipient.target_id}", message))
    outcomes = messages_send_once(batch)
    now = timezone.now()
    for recipient in waiting:
        outcome = outcomes[f"delivery:{delivery.pk}:{recipient.target_id}"]
        if outcome == Outcome.REFUSED:
            DeliveryTarget.objects.filter(pk=recipient.pk).update(refused="Refused by the relay.")
        else:
            DeliveryTarget.objects.filter(pk=recipient.pk, sent_at__isnull=True).update(sent_at=now)
    if delivery.recipients.filter(sent_at__isnull=False).exists():
        _delivered(delivery, now)
    else:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, error="The relay refused every target's address."
        )
