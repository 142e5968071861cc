"""Paper signatures from a CSV file: a header row naming the columns (columns.py), then
one signature a row, as a spreadsheet saves it: UTF-8 with or without a byte order mark,
commas, semicolons or tabs between cells. Rows are numbered as the spreadsheet numbers
them, the header being row 1, so that an error names the row to correct."""

import csv
import io
import re
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from undersigned.letters.models import Letter
from undersigned.signing.paper import PaperRow, RowErrors

from .columns import Column, is_blank, paper_columns, paper_row

DELIMITERS = (",", ";", "\t")
# Other names a spreadsheet's header may give a column.
ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "postcode": "postal_code",
    "zip": "postal_code",
    "zip_code": "postal_code",
    "hide": "hide_name",
    "anonymous": "hide_name",
}
YES = {"x", "yes", "y", "1", "true", "✓", "✔", "sí", "si"}
NO = {"", "no", "n", "0", "false"}


class CsvRefused(ValidationError):
    """The file as a whole cannot be read: nothing of it is entered."""


@dataclass(frozen=True)
class CsvRows:
    """The rows read, and what is wrong with any, by the spreadsheet's row numbers."""

    rows: list[PaperRow]
    errors: RowErrors


def csv_rows(data: bytes, letter: Letter) -> CsvRows:
    text = _decoded(data)
    columns = paper_columns(letter)
    lines = text.splitlines()
    delimiter = _delimiter(lines[0] if lines else "")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise CsvRefused(
            _("The file cannot be read as CSV: %(error)s.") % {"error": error}, code="csv"
        ) from None
    if not records:
        raise CsvRefused(_("The file is empty."), code="empty")
    keys = _header(records[0], columns)
    rows: list[PaperRow] = []
    errors: RowErrors = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        row, row_errors = _row(letter, keys, record, number)
        if row_errors:
            errors[number] = row_errors
        elif row is not None:
            rows.append(row)
    return CsvRows(rows, errors)


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRefused(
            _(
                "The file is not in UTF-8. Save it again as “CSV UTF-8” (in a spreadsheet's "
                "“Save as”), and upload that."
            ),
            code="encoding",
        ) from None


def _delimiter(header: str) -> str:
    """The character that separates the header's cells: of commas, semicolons and tabs,
    the one it has most of (a spreadsheet set to a language that writes 1,5 uses ";")."""
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _normal(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def _header(cells: list[str], columns: list[Column]) -> list[str]:
    """The column key of each cell of the header row ("" for an empty one)."""
    known = {column.key: column for column in columns}
    names = {_normal(column.key): column.key for column in columns}
    names |= {_normal(column.label): column.key for column in columns}
    names |= {alias: key for alias, key in ALIASES.items() if key in known}
    keys = []
    for cell in cells:
        name = _normal(cell)
        if name and name not in names:
            raise CsvRefused(
                _(
                    "The file has a column “%(column)s” this letter does not ask for. Its "
                    "columns are: %(columns)s."
                )
                % {"column": cell.strip(), "columns": ", ".join(known)},
                code="column",
            )
        keys.append(names.get(name, ""))
    named = [key for key in keys if key]
    twice = sorted({key for key in named if named.count(key) > 1})
    if twice:
        raise CsvRefused(
            _("The file has the column “%(column)s” twice.") % {"column": twice[0]},
            code="column_twice",
        )
    missing = [column.key for column in columns if column.required and column.key not in keys]
    if missing:
        raise CsvRefused(
            _("The file needs a column “%(column)s”: this letter asks for it.")
            % {"column": missing[0]},
            code="column_missing",
        )
    return keys


def _row(
    letter: Letter, keys: list[str], record: list[str], number: int
) -> tuple[PaperRow | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for index, cell in enumerate(record):
        key = keys[index] if index < len(keys) else ""
        if key:
            values[key] = cell
        elif cell.strip():
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("It has a value, “%(value)s”, in a column without a name.")
                % {"value": cell.strip()[:40]}
            )
    hide = values.pop("hide_name", "").strip().casefold()
    if hide not in YES | NO | {_("yes").casefold(), _("no").casefold()}:
        errors.setdefault("hide_name", []).append(
            _("Write “yes” (or x) to hide the name, or leave it empty.")
        )
    if errors or is_blank(values):
        return None, errors
    hidden = hide in YES or hide == _("yes").casefold()
    return paper_row(letter, values, hide_name=hidden, number=number), errors
