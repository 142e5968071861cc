"""The organiser's export of a letter's signatories, as a CSV file."""

import csv
from collections.abc import Callable, Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.db.models.base import ModelState
from django.http import StreamingHttpResponse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache

from undersigned.letters.access import letter_for_member
from undersigned.letters.models import FieldRule, Letter
from undersigned.lib.spreadsheet import spreadsheet_text
from undersigned.organisations.access import Action, OrganiserRequest

from .models import Signature, SignatureQuerySet
from .presentation import Audience, Signatory, listing_order, signatories
from .public_count import names_revealed

# (heading, what it holds); the postal code only where the letter asks for it. A heading
# is the column's name here, in English, and translated only in the file's header row.
COLUMNS: list[tuple[str, Callable[[Signatory], str]]] = [
    (gettext_noop("Name"), lambda shown: shown.name),
    (gettext_noop("Verification"), lambda shown: shown.level),
    (gettext_noop("Institution (verified)"), lambda shown: shown.institution),
    (gettext_noop("Affiliation (claimed)"), lambda shown: shown.claimed_affiliation),
    (gettext_noop("Title"), lambda shown: shown.title),
    (gettext_noop("Department"), lambda shown: shown.department),
    (gettext_noop("Location"), lambda shown: shown.location),
    (gettext_noop("Country"), lambda shown: shown.country),
    (gettext_noop("Postal code"), lambda shown: shown.postal_code),
    (gettext_noop("Comment"), lambda shown: shown.comment),
    (
        gettext_noop("Confirmed on"),
        lambda shown: shown.confirmed_on.isoformat() if shown.confirmed_on else "",
    ),
]
# What the presenter (presentation.signatory) reads of a signature, and nothing more.
SHOWN_FIELDS = (
    "id", "name", "display", "level", "institution", "affiliation", "email_domain", "title",
    "department", "location", "comment", "comment_state", "country", "postal_code",
    "confirmed_at",
)  # fmt: skip
# Rows read from the database at a time: memory stays flat however many signatures.
CHUNK = 2000
# What only organisers see, and only on letters anyone may sign (presentation.signatory).
ORGANISERS_ONLY = ("Country", "Postal code", "Confirmed on")


@login_required
@never_cache
def letter_signatures_csv(request: OrganiserRequest, slug: str) -> StreamingHttpResponse:
    """Every counted signature of the letter, for the organisation's owners (Action.EXPORT).

    It holds what the public sees and little more: no address of any kind, no name a
    signer hid, no title or comment of an anonymous signer, no comment that waits for a
    moderator or that one hid. While the letter's reveal threshold is not reached it has
    the header row and no rows at all. Letters for academic addresses or listed domains
    promise their signers that organisers see exactly what the public sees, so there the
    country and the date stay empty; so does the date on letters with count steps, where
    a date would tie a row to a moment.
    """
    letter, _role = letter_for_member(request, slug, Action.EXPORT)
    response = StreamingHttpResponse(_lines(letter), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{letter.slug}-signatures.csv"'
    return response


class _Line:
    """A file-like object that hands back what csv.writer writes, one row at a time."""

    def write(self, value: str) -> str:
        return value


def _lines(letter: Letter) -> Iterator[str]:
    signatures = listing_order(
        letter, Signature.objects.counted().filter(letter=letter), oldest_first=True
    )
    return signatories_csv(letter, signatures, Audience.ORGANISERS)


def signatories_csv(
    letter: Letter, signatures: SignatureQuerySet, audience: Audience
) -> Iterator[str]:
    """The lines of a CSV file of these signatures, as this audience may see them: the
    header row alone while the letter's reveal threshold is not reached."""
    writer = csv.writer(_Line())
    columns = _columns(letter, audience)
    # The mark tells spreadsheets the file is UTF-8.
    yield "\ufeff" + writer.writerow([gettext(heading) for heading, _value in columns])
    if not names_revealed(letter):
        return
    values = [value for _heading, value in columns]
    rows = signatures.values_list(*SHOWN_FIELDS).iterator(chunk_size=CHUNK)
    for shown in signatories(letter, _signatures(rows), audience):
        yield writer.writerow([spreadsheet_text(value(shown)) for value in values])


def _signatures(rows: Iterable[tuple[object, ...]]) -> Iterator[Signature]:
    """Signatures made straight from rows of SHOWN_FIELDS, for the presenter: a million
    of them built by the ORM in full would take most of the export's time. A field the
    presenter reads that is not among them would still be read, one query a row, so a
    change to the presenter makes the export slow, never wrong."""
    for row in rows:
        signature = Signature.__new__(Signature)
        signature._state = ModelState()
        signature._state.adding = False
        signature._state.db = "default"
        signature.__dict__.update(zip(SHOWN_FIELDS, row, strict=True))
        yield signature


def _columns(letter: Letter, audience: Audience) -> list[tuple[str, Callable[[Signatory], str]]]:
    """Every column this audience may see, less a postal code the letter never asks for."""
    hidden = set() if audience == Audience.ORGANISERS else set(ORGANISERS_ONLY)
    if letter.field_rule("postal_code") == FieldRule.OFF:
        hidden.add("Postal code")
    return [column for column in COLUMNS if column[0] not in hidden]
