"""The columns of a letter's paper signatures: the same on the printed sheet, in the entry
form and in a CSV file, as the letter's signing policy asks for them."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from undersigned.letters.models import POLICY_FIELDS, Display, FieldRule, Letter
from undersigned.signing.paper import WRITTEN, PaperRow

# What each column is called, short enough for the head of a column on a sheet.
LABELS: dict[str, Promise] = {
    "name": _("Name"),
    "email": _("Email"),
    "affiliation": _("Institution or organisation"),
    "title": _("Title or role"),
    "department": _("Team or department"),
    "location": _("City or site"),
    "country": _("Country"),
    "postal_code": _("Postal code"),
    "comment": _("Comment"),
    "hide_name": _("Hide my name"),
}
# How much of a sheet's width each column takes, beside the number and the signature.
WEIGHTS = {
    "name": 3.0,
    "email": 3.0,
    "affiliation": 2.2,
    "title": 1.8,
    "department": 1.8,
    "location": 1.6,
    "country": 1.4,
    "postal_code": 1.1,
    "comment": 3.0,
    "hide_name": 0.8,
}


@dataclass(frozen=True)
class Column:
    """One column: its key (a field of signing.paper.PaperRow, or "hide_name", and the
    CSV header), what it is called, and whether every row must fill it in."""

    key: str
    label: str
    required: bool


def paper_columns(letter: Letter) -> list[Column]:
    """Name and email first, then the letter's fields in the sign form's order; and a way to
    sign without being named where the letter allows that and another way too."""
    columns = [
        Column("name", str(LABELS["name"]), default_display(letter) != Display.ANONYMOUS),
        Column("email", str(LABELS["email"]), required=False),
    ]
    for field in POLICY_FIELDS:
        rule = letter.field_rule(field)
        if rule != FieldRule.OFF:
            columns.append(Column(field, str(LABELS[field]), rule == FieldRule.REQUIRED))
    if hides_names(letter):
        columns.append(Column("hide_name", str(LABELS["hide_name"]), required=False))
    return columns


def default_display(letter: Letter) -> str:
    """How a name written on a sheet is shown unless its signer asked otherwise."""
    choices = [value for value, _label in letter.display_choices]
    named = [value for value in choices if value != Display.ANONYMOUS]
    return (named or choices or [Display.FULL])[0]


def hides_names(letter: Letter) -> bool:
    """Whether a signer on paper may choose not to be named: the letter allows it, and
    names otherwise."""
    choices = [value for value, _label in letter.display_choices]
    return Display.ANONYMOUS in choices and default_display(letter) != Display.ANONYMOUS


def paper_row(
    letter: Letter, values: Mapping[str, str], *, hide_name: bool, number: int
) -> PaperRow:
    """A row as the domain takes it, from the values of its columns."""
    written = {key: values[key] for key in WRITTEN if key in values and key != "display"}
    display = Display.ANONYMOUS if hide_name else default_display(letter)
    return PaperRow(**written, display=display, number=number)


def is_blank(values: Mapping[str, object]) -> bool:
    """A row left empty on the sheet: skipped, its number kept by the rows after it."""
    return not any(str(value).strip() for value in values.values() if value is not False)
