"""The organiser's export of a letter's signatories, as a CSV or an XLSX file, and the
rows both are made of (the API's export reads them too)."""

import csv
import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO

import xlsxwriter
from django.contrib.auth.decorators import login_required
from django.db.models.base import ModelState
from django.http import FileResponse, StreamingHttpResponse
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

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The rows of one sheet, its header row among them: Excel opens no more. A letter with
# more signatures goes on in a second sheet, under the same header.
SHEET_ROWS = 1_048_576
# What a sheet's name may not hold, and how long it may be (Excel's rules).
SHEET_NAME_REFUSES = str.maketrans("", "", "[]:*?/\\")
SHEET_NAME_LENGTH = 31


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
    lines = signatories_csv(letter, counted_in_order(letter), Audience.ORGANISERS)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{letter.slug}-signatures.csv"'
    return response


@login_required
@never_cache
def letter_signatures_xlsx(request: OrganiserRequest, slug: str) -> FileResponse:
    """The same rows as the CSV export, for the same members, as an Excel workbook."""
    letter, _role = letter_for_member(request, slug, Action.EXPORT)
    return FileResponse(
        xlsx_file(letter),
        as_attachment=True,
        filename=f"{letter.slug}-signatures.xlsx",
        content_type=XLSX_TYPE,
    )


def counted_in_order(letter: Letter) -> SignatureQuerySet:
    """The letter's counted signatures in the order an export lists them."""
    counted = Signature.objects.counted().filter(letter=letter)
    return listing_order(letter, counted, oldest_first=True)


def export_headings(letter: Letter, audience: Audience = Audience.ORGANISERS) -> list[str]:
    """The header row of an export, in the active language."""
    return [gettext(heading) for heading, _value in _columns(letter, audience)]


def export_rows(
    letter: Letter,
    signatures: SignatureQuerySet | None = None,
    audience: Audience = Audience.ORGANISERS,
) -> Iterator[list[str]]:
    """The rows of an export under export_headings, one a signature, read CHUNK at a time:
    by default the letter's counted signatures as its organisers may see them, oldest
    first. Every cell is text a spreadsheet shows as text, never runs as a formula; there
    are no rows at all while the letter's reveal threshold is not reached."""
    if not names_revealed(letter):
        return
    values = [value for _heading, value in _columns(letter, audience)]
    rows = counted_in_order(letter) if signatures is None else signatures
    for _signature, shown in signatures_shown(letter, rows, audience):
        yield [spreadsheet_text(value(shown)) for value in values]


class _Line:
    """A file-like object that hands back what csv.writer writes, one row at a time."""

    def write(self, value: str) -> str:
        return value


def signatories_csv(
    letter: Letter, signatures: SignatureQuerySet, audience: Audience
) -> Iterator[str]:
    """The lines of a CSV file of these signatures, as this audience may see them: the
    header row alone while the letter's reveal threshold is not reached."""
    writer = csv.writer(_Line())
    # The mark tells spreadsheets the file is UTF-8.
    yield "\ufeff" + writer.writerow(export_headings(letter, audience))
    for row in export_rows(letter, signatures, audience):
        yield writer.writerow(row)


def xlsx_file(letter: Letter) -> IO[bytes]:
    """The organisers' export as an XLSX workbook, the CSV's rows under its header: a
    temporary file, read from its start, gone once closed. xlsxwriter writes it a row at
    a time to disk (constant_memory), so memory stays flat however many signatures."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  # the caller closes it, or FileResponse does
    try:
        _workbook_write(letter, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _workbook_write(letter: Letter, out: IO[bytes]) -> None:
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            # Cells are written as strings anyway; these keep the workbook from reading a
            # formula, a link or a number into one should a later change write otherwise.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    headings = export_headings(letter)
    bold = workbook.add_format({"bold": True})
    sheet = _sheet_add(workbook, headings, bold)
    row_number = 1
    for row in export_rows(letter):
        if row_number == SHEET_ROWS:
            sheet, row_number = _sheet_add(workbook, headings, bold), 1
        for column, value in enumerate(row):
            sheet.write_string(row_number, column, value)
        row_number += 1
    workbook.close()


def _sheet_add(
    workbook: xlsxwriter.Workbook, headings: list[str], bold: xlsxwriter.format.Format
) -> xlsxwriter.worksheet.Worksheet:
    """A sheet with the header row written, and kept in view as the rows scroll."""
    number = len(workbook.worksheets()) + 1
    name = gettext("Signatures") + (f" {number}" if number > 1 else "")
    sheet = workbook.add_worksheet(name.translate(SHEET_NAME_REFUSES)[:SHEET_NAME_LENGTH])
    sheet.set_column(0, len(headings) - 1, 22)
    sheet.freeze_panes(1, 0)
    for column, heading in enumerate(headings):
        sheet.write_string(0, column, spreadsheet_text(heading), bold)
    return sheet


def signatures_shown(
    letter: Letter,
    signatures: SignatureQuerySet,
    audience: Audience,
    *,
    also: tuple[str, ...] = (),
) -> Iterator[tuple[Signature, Signatory]]:
    """Each signature, read CHUNK rows at a time with only what the presenter reads (and
    the fields `also` names), beside its signatory as `audience` sees it."""
    fields = SHOWN_FIELDS + also
    rows = signatures.values_list(*fields).iterator(chunk_size=CHUNK)
    # The same signatures twice, one behind the other: tee keeps only the one between.
    kept, presented = itertools.tee(_signatures(rows, fields))
    return zip(kept, signatories(letter, presented, audience), strict=True)


def _signatures(rows: Iterable[tuple[object, ...]], fields: tuple[str, ...]) -> Iterator[Signature]:
    """Signatures made straight from rows of these fields, for the presenter: a million
    of them built by the ORM in full would take most of the export's time. A field the
    presenter reads that is not among them would still be read, one query a row, so a
    change to the presenter makes the export slow, never wrong."""
    for row in rows:
        signature = Signature.__new__(Signature)
        signature._state = ModelState()
        signature._state.adding = False
        signature._state.db = "default"
        signature.__dict__.update(zip(fields, row, strict=True))
        yield signature


def _columns(letter: Letter, audience: Audience) -> list[tuple[str, Callable[[Signatory], str]]]:
    """Every column this audience may see, less a postal code the letter never asks for."""
    hidden = set() if audience == Audience.ORGANISERS else set(ORGANISERS_ONLY)
    if letter.field_rule("postal_code") == FieldRule.OFF:
        hidden.add("Postal code")
    return [column for column in COLUMNS if column[0] not in hidden]
