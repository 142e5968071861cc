"""A delivery's PDF and CSV: the letter as delivered, and the signatures it carries
exactly as the public sees them; below a reveal threshold, no names at all."""

import datetime
import tempfile
from collections.abc import Iterator
from itertools import groupby
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from undersigned.letters.models import Eligibility, FieldRule, Letter
from undersigned.signing.aggregates import figure
from undersigned.signing.export import signatories_csv
from undersigned.signing.models import Signature, SignatureQuerySet
from undersigned.signing.presentation import Audience, Signatory, listing_order, signatories
from undersigned.signing.public_count import names_revealed

from .models import Delivery

if TYPE_CHECKING:
    from .pdf import DeliveryDocument


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


def delivery_for_build(delivery_id: int) -> Delivery | None:
    """The delivery with what building its files reads of it; None once it is gone."""
    return (
        Delivery.objects.select_related("letter", "letter__organisation", "letter_version")
        .filter(pk=delivery_id)
        .first()
    )


def delivery_files_build(delivery: Delivery) -> None:
    """Write the delivery's PDF and CSV, and keep them in the delivery's files in place of
    any earlier ones, which are deleted: after a withdrawal, the name is gone from them.

    They hold the signatures carried as they stand now, so the highest event of the letter
    is noted first: a withdrawal after it makes them stale (delivering.files_current).
    They speak the letter's own language, as the letter delivered does.
    """
    with translation.override(delivery.letter.language):
        _files_build(delivery)


def _files_build(delivery: Delivery) -> None:
    from .pdf import pdf_write  # fpdf2 and the fonts load only where a PDF is built

    letter = delivery.letter
    events_seen = letter.events.aggregate(n=Max("id"))["n"] or 0
    earlier = [name for name in (delivery.pdf.name, delivery.csv.name) if name]
    document = delivery_document(delivery)
    name = f"{letter.slug}-delivery-{delivery.number}"
    with tempfile.TemporaryFile() as out:
        pdf_write(document, out)
        out.seek(0)
        delivery.pdf.save(f"{name}.pdf", File(out), save=False)
    rows = carried(letter, delivery.since, delivery.until)
    lines = signatories_csv(letter, listing_order(letter, rows, oldest_first=True), Audience.PUBLIC)
    delivery.csv.save(f"{name}.csv", ContentFile("".join(lines).encode()), save=False)
    delivery.files_event_id = events_seen
    Delivery.objects.filter(pk=delivery.pk).update(
        pdf=delivery.pdf.name, csv=delivery.csv.name, files_event_id=events_seen
    )
    for stale in earlier:
        if stale not in (delivery.pdf.name, delivery.csv.name):
            delivery.pdf.storage.delete(stale)


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
    counts = [(_("Signatures"), letter.shown_number(delivery.total))]
    if delivery.verified:
        counts.append((pgettext("signatures", "Verified"), letter.shown_number(delivery.verified)))
    if delivery.is_addendum:
        counts.append((_("In this addendum"), letter.shown_number(delivery.signatures)))
    counts.extend(_read_in(letter, carried(letter, delivery.since, delivery.until)))
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


def _read_in(letter: Letter, rows: SignatureQuerySet) -> list[tuple[str, str]]:
    """How many signed reading each language and version of the text, where they read more
    than one: a small group is "fewer than 5" (aggregates.figure), as on every page."""
    names = dict(settings.LANGUAGES)
    groups = (
        rows.values_list("language", "letter_version__number")
        .annotate(n=Count("id"))
        .order_by("letter_version__number", "language")
    )
    read = [(language or letter.language, number, n) for language, number, n in groups]
    if len({(language, number) for language, number, _n in read}) < 2:
        return []
    return [
        (
            _("Signed reading it in %(language)s, version %(number)s")
            % {"language": names.get(language, language), "number": number},
            figure(letter, n).text,
        )
        for language, number, n in read
    ]


def _groups(
    letter: Letter, rows: SignatureQuerySet, *, grouped: bool
) -> Iterator[tuple[str, Iterator[Signatory]]]:
    people = signatories(letter, rows.iterator(chunk_size=2000), Audience.PUBLIC)
    if not grouped:
        yield "", people
        return
    for institution, members in groupby(people, key=lambda person: person.institution):
        yield institution or _("Other signatories"), members
