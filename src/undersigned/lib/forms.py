"""Form behaviour every page shares: the first field with an error takes the focus."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class FocusFirstError(forms.Form):
    """Put `autofocus` on the first field, in form order, that carries an error, so that a
    keyboard or screen-reader user lands on it without JavaScript."""

    # Read by templates/_errors.html, which otherwise gives its summary the focus.
    focuses_first_error = True

    def full_clean(self) -> None:
        super().full_clean()
        self._focus_first_error()

    def add_error(self, field: str | None, error: ValidationError | Any) -> None:
        super().add_error(field, error)
        self._focus_first_error()

    def _focus_first_error(self) -> None:
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        first = next((name for name in self.fields if name in self.errors), None)
        if first is not None:
            self.fields[first].widget.attrs["autofocus"] = True
