"""Delivering a letter to its targets: the record, the PDF and CSV, and the email.

An owner's delivery is recorded at once, with the count and the letter version as they
stand; the worker then builds its PDF and CSV from the signatures it carries and, for an
emailed delivery, sends them to each chosen target once. A later delivery is an addendum
that carries only the signatures confirmed since the one before.
"""

import datetime
import tempfile
from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, FieldRule, Letter, Status, Target
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.export import signatories_csv
from undersigned.signing.models import Signature, SignatureQuerySet
from undersigned.signing.presentation import Audience, Signatory, listing_order, signatories
from undersigned.signing.public_count import names_revealed

from .models import Delivery, DeliveryTarget, Method

if TYPE_CHECKING:
    from .pdf import DeliveryDocument


def email_address_of(target: Target) -> str:
    """A target's delivery address if it is an email address, else ""."""
    address = target.delivery_address.strip()
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


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
    from .tasks import build_delivery

    if not letter.is_public:
        raise ValidationError("Only a published letter can be delivered.")
    if not targets:
        raise ValidationError("Choose at least one target.")
    if method == Method.EMAIL and not all(email_address_of(target) for target in targets):
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


def carried(
    letter: Letter, since: datetime.datetime | None, until: datetime.datetime
) -> SignatureQuerySet:
    """The counted signatures a delivery carries: confirmed after `since`, up to `until`."""
    signatures = Signature.objects.counted().filter(letter=letter, confirmed_at__lte=until)
    return signatures.filter(confirmed_at__gt=since) if since else signatures


def by_institution(letter: Letter) -> bool:
    """Grouped by institution where the letter asks for one."""
    return (
        letter.eligibility == Eligibility.ACADEMIC
        or letter.field_rule("affiliation") != FieldRule.OFF
    )


def delivery_files_build(delivery: Delivery) -> None:
    """Write the delivery's PDF and CSV, with the signatories exactly as the public sees
    them; below a reveal threshold, with no names at all."""
    from .pdf import pdf_write  # its fonts load only in the worker that builds one

    letter = delivery.letter
    document = delivery_document(delivery)
    name = f"{letter.slug}-delivery-{delivery.number}"
    with tempfile.TemporaryFile() as out:
        pdf_write(document, out)
        out.seek(0)
        delivery.pdf.save(f"{name}.pdf", File(out), save=False)
    rows = carried(letter, delivery.since, delivery.until)
    lines = signatories_csv(letter, listing_order(letter, rows, oldest_first=True), Audience.PUBLIC)
    delivery.csv.save(f"{name}.csv", ContentFile("".join(lines).encode()), save=False)
    Delivery.objects.filter(pk=delivery.pk).update(pdf=delivery.pdf.name, csv=delivery.csv.name)


def delivery_document(delivery: Delivery) -> "DeliveryDocument":
    from .pdf import DeliveryDocument

    letter = delivery.letter
    version = delivery.letter_version
    shown = names_revealed(letter)
    grouped = by_institution(letter)
    rows = listing_order(
        letter,
        carried(letter, delivery.since, delivery.until),
        by_institution=grouped,
        oldest_first=True,
    )
    counts = [("Signatures", letter.shown_number(delivery.total))]
    if delivery.verified:
        counts.append(("Verified", letter.shown_number(delivery.verified)))
    if delivery.is_addendum:
        counts.append(("In this addendum", letter.shown_number(delivery.signatures)))
    return DeliveryDocument(
        title=version.title,
        targets=[str(target) for target in delivery.targets.all()],
        organisation=letter.organisation.name,
        body=version.body,
        demands=version.demand_list,
        pledge=version.pledge,
        delivered_on=timezone.localdate(delivery.delivered_at or delivery.until),
        version_number=version.number,
        version_hash=version.text_hash,
        counts=counts,
        names_shown=shown,
        groups=_groups(letter, rows, grouped=grouped) if shown else iter(()),
        addendum_since=timezone.localdate(delivery.since) if delivery.since else None,
    )


def _groups(
    letter: Letter, rows: SignatureQuerySet, *, grouped: bool
) -> Iterator[tuple[str, Iterator[Signatory]]]:
    people = signatories(letter, rows.iterator(chunk_size=2000), Audience.PUBLIC)
    if not grouped:
        yield "", people
        return
    for institution, members in groupby(people, key=lambda person: person.institution):
        yield institution or "Other signatories", members
