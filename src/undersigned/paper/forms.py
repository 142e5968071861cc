"""The organiser's forms: a batch's label, its rows as on the sheet, a CSV file."""

from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from undersigned.letters.models import Letter
from undersigned.lib.forms import FocusFirstError
from undersigned.signing.paper import LABEL_MAX_LENGTH, PaperRow, RowErrors

from .columns import Column, is_blank, paper_columns, paper_row

# Rows the entry form shows at first, and adds each time it is asked for more.
ROWS_SHOWN = 10
# The most it shows: a batch that long goes in as a CSV file.
ROWS_MAX = 200
# A CSV file's largest size: a few thousand rows.
CSV_MAX_BYTES = 2 * 1024 * 1024
# The entry form's inputs for a column, by key: a name is written by hand, long.
INPUT_SIZES = {"name": 24, "email": 24, "comment": 30}


class BatchForm(FocusFirstError):
    label = forms.CharField(
        label=_("Where and when they were signed"),
        max_length=LABEL_MAX_LENGTH,
        help_text=_("Like “Rally, 3 May”: it names the batch in the list, so it can be removed."),
    )

    def __init__(self, *args: Any, focus: bool = True, **kwargs: Any) -> None:
        self.focus = focus
        super().__init__(*args, **kwargs)

    def _focus_first_error(self) -> None:
        super()._focus_first_error()
        if self.focus and not self.is_bound:  # where typing starts
            self.fields["label"].widget.attrs["autofocus"] = True


class CsvForm(BatchForm):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "A header row with the column names of the template, then one signature a row. "
            "UTF-8, with commas or semicolons."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 2 MB: split it into several batches."), code="size"
            )
        return upload


class RowForm(forms.Form):
    """One row of the sheet: every field may be empty (an unused row), and the domain
    checks what a filled row holds (signing/paper.py)."""

    def __init__(self, *args: Any, columns: list[Column], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number = self.index + 1
        for column in columns:
            label = _("Row %(number)s: %(column)s") % {
                "number": self.number,
                "column": column.label,
            }
            if column.key == "hide_name":
                self.fields[column.key] = forms.BooleanField(label=label, required=False)
                continue
            self.fields[column.key] = forms.CharField(label=label, required=False)
            attrs = self.fields[column.key].widget.attrs
            attrs["autocomplete"] = "off"
            attrs["size"] = INPUT_SIZES.get(column.key, 12)
            if column.key == "email":
                attrs["inputmode"] = "email"
                attrs["spellcheck"] = "false"

    @property
    def index(self) -> int:
        # The formset's prefix for this form ends with its index ("rows-3").
        return int(self.prefix.rpartition("-")[2]) if self.prefix else 0

    def focus(self, field: str | None = None) -> None:
        """Give the keyboard's focus to a field of this row (its first by default)."""
        name = field or next(iter(self.fields))
        self.fields[name].widget.attrs["autofocus"] = True

    def values(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key, "") for key in self.fields}


class BaseRowFormSet(BaseFormSet[RowForm]):
    def __init__(self, *args: Any, letter: Letter, **kwargs: Any) -> None:
        self.letter = letter
        self.columns = paper_columns(letter)
        kwargs.setdefault("form_kwargs", {})["columns"] = self.columns
        super().__init__(*args, **kwargs)

    def filled(self) -> list[tuple[RowForm, PaperRow]]:
        """The rows written in, each with its form, numbered as on the sheet."""
        filled = []
        for form in self.forms:
            values = form.values()
            if is_blank(values):
                continue
            hide = bool(values.pop("hide_name", False))
            row = paper_row(self.letter, values, hide_name=hide, number=form.number)
            filled.append((form, row))
        return filled

    def refusals_show(self, errors: RowErrors) -> None:
        """Put each row's errors on its fields, as the domain found them."""
        by_number = {form.number: form for form in self.forms}
        for number, fields in errors.items():
            form = by_number.get(number, self.forms[0])
            for field, messages in fields.items():
                if field == "display":
                    field = "hide_name"
                known = field in form.fields and field != NON_FIELD_ERRORS
                form.add_error(field if known else None, messages)
        wrong = [form for form in self.forms if form.errors]
        if wrong:
            focused = next((name for name in wrong[0].fields if name in wrong[0].errors), None)
            wrong[0].focus(focused)


RowFormSet = cast(
    type[BaseRowFormSet],
    formset_factory(
        RowForm, formset=BaseRowFormSet, extra=ROWS_SHOWN, max_num=ROWS_MAX, absolute_max=ROWS_MAX
    ),
)


def rows_formset(letter: Letter, data: Any = None, *, more: bool = False) -> BaseRowFormSet:
    """The entry form's rows, with ROWS_SHOWN more if asked (the "Add rows" button, which
    keeps what was written)."""
    shown = 0
    if data is not None and more:
        data = data.copy()
        key = "rows-TOTAL_FORMS"
        shown = max(0, _int(data.get(key), ROWS_SHOWN))
        data[key] = str(min(shown + ROWS_SHOWN, ROWS_MAX))
    formset = RowFormSet(data, prefix="rows", letter=letter)
    if more and shown < len(formset.forms):
        formset.forms[shown].focus()  # the first of the new rows
    return formset


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
