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
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from undersigned.accounts.models import User
from undersigned.letters.models import Letter, Status, Target
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import EventKind, SignatureEvent

from .documents import carried
from .models import Delivery, DeliveryStatus, DeliveryTarget, Method
from .tasks import build_delivery, rebuild_delivery_files


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
        raise ValidationError(_("Only a published letter can be delivered."))
    if not targets:
        raise ValidationError(_("Choose at least one target."))
    if method == Method.EMAIL and not all(target.email_address for target in targets):
        raise ValidationError(
            _(
                "Every target it is emailed to needs an email delivery address. Add one in "
                "the letter's editor, or record a delivery made another way."
            )
        )
    if method == Method.MANUAL and delivered_on is None:
        raise ValidationError(_("Say on which day it was delivered."))
    if delivered_on and delivered_on > timezone.localdate():
        raise ValidationError(_("A delivery cannot be recorded for a day still to come."))
    published_on = timezone.localdate(letter.published_at) if letter.published_at else None
    if delivered_on and published_on and delivered_on < published_on:
        raise ValidationError(
            _("The letter was published on %(day)s: it cannot have been delivered before.")
            % {"day": date_format(published_on, "j F Y")}
        )
    now = timezone.now()
    with transaction.atomic():
        version = letter.versions.filter(language="").order_by("-number").first()
        if version is None:
            raise ValidationError(_("The letter has no published text to deliver."))
        number = letter.deliveries.aggregate(n=Max("number"))["n"] or 0
        # A failed delivery reached nobody: its signatures go in the next one.
        reached = letter.deliveries.exclude(status=DeliveryStatus.FAILED)
        since = reached.aggregate(until=Max("until"))["until"]
        count = letter_count_fresh(letter.pk)
        delivery = Delivery.objects.create(
            letter=letter,
            number=number + 1,
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
            delivered_at=_moment_of(delivered_on, letter, now) if delivered_on else None,
            created_by=by,
        )
        DeliveryTarget.objects.bulk_create(
            DeliveryTarget(delivery=delivery, target=target) for target in targets
        )
        if closes_signing and letter.is_open:
            # Signing closes now; the letter reads "delivered" once the delivery is.
            Letter.objects.filter(pk=letter.pk).update(status=Status.CLOSED, retention_from=now)
            letter.status = Status.CLOSED
        build_delivery.enqueue(delivery.pk)
    return delivery


def _moment_of(day: datetime.date, letter: Letter, now: datetime.datetime) -> datetime.datetime:
    """A manual delivery's day as a moment: noon, but never before the letter was
    published nor after now, so the campaign's story keeps its order."""
    noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    earliest = letter.published_at or noon
    return min(max(noon, earliest), now)


def files_current(delivery: Delivery) -> bool:
    """Whether the delivery's PDF and CSV may be handed out: built, and naming nobody who
    withdrew since. Stale files are rebuilt by the worker (once, however many ask)."""
    seen = delivery.files_event_id
    if seen is None:
        return False
    withdrawn = SignatureEvent.objects.filter(
        letter_id=delivery.letter_id,
        pk__gt=seen,
        kind__in=(EventKind.WITHDRAWN, EventKind.PAPER_REMOVED),
    ).exists()
    if not withdrawn:
        return True
    if Delivery.objects.filter(pk=delivery.pk, files_event_id=seen).update(files_event_id=None):
        rebuild_delivery_files.enqueue(delivery.pk)
    return False
