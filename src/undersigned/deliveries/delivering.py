"""Delivering a letter to its targets: an owner's delivery, recorded at once with the
count and the letter version as they stand; the worker then builds its PDF and CSV
(documents.py) and, for an emailed delivery, sends them to each chosen target once
(tasks.py). A later delivery is an addendum that carries only the signatures confirmed
since the one before.
"""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from undersigned.accounts.models import User
from undersigned.letters.models import Letter, Status, Target
from undersigned.signing.counts import letter_count_fresh

from .documents import carried
from .models import Delivery, DeliveryTarget, Method
from .tasks import build_delivery


def delivery_start(
    *,
    letter: Letter,
    method: Method,
    targets: Sequence[Target],
    closes_signing: bool,
    by: User | None,
    how: str = "",
    note: str = "",
    delivered_on: datetime.date | None = None,
) -> Delivery:
    """Record a delivery and hand the PDF (and the email) to the worker."""
    if not letter.is_public:
        raise ValidationError("Only a published letter can be delivered.")
    if not targets:
        raise ValidationError("Choose at least one target.")
    if method == Method.EMAIL and not all(target.email_address for target in targets):
        raise ValidationError(
            "Every target it is emailed to needs an email delivery address. Add one in the "
            "letter's editor, or record a delivery made another way."
        )
    if method == Method.MANUAL and delivered_on is None:
        raise ValidationError("Say on which day it was delivered.")
    if delivered_on and delivered_on > timezone.localdate():
        raise ValidationError("A delivery cannot be recorded for a day still to come.")
    published_on = timezone.localdate(letter.published_at) if letter.published_at else None
    if delivered_on and published_on and delivered_on < published_on:
        raise ValidationError(
            f"The letter was published on {published_on:%-d %B %Y}: it cannot have been "
            "delivered before."
        )
    now = timezone.now()
    with transaction.atomic():
        version = letter.versions.order_by("-number").first()
        if version is None:
            raise ValidationError("The letter has no published text to deliver.")
        previous = letter.deliveries.aggregate(number=Max("number"), until=Max("until"))
        count = letter_count_fresh(letter.pk)
        since = previous["until"]
        delivery = Delivery.objects.create(
            letter=letter,
            number=(previous["number"] or 0) + 1,
            method=method,
            letter_version=version,
            since=since,
            until=now,
            total=count.total,
            verified=count.verified,
            signatures=carried(letter, since, now).count(),
            closes_signing=closes_signing,
            how=how,
            note=note,
            delivered_at=_start_of(delivered_on) if delivered_on else None,
            created_by=by,
        )
        DeliveryTarget.objects.bulk_create(
            DeliveryTarget(delivery=delivery, target=target) for target in targets
        )
        if closes_signing or not letter.is_open:
            Letter.objects.filter(pk=letter.pk).update(status=Status.DELIVERED)
            letter.status = Status.DELIVERED
        build_delivery.enqueue(delivery.pk)
    return delivery


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
