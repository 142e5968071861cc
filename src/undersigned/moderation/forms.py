from django import forms

from undersigned.signing.models import State

from .batches import SINGLE
from .search import SearchForm

# The windows the trending page offers, in hours.
HOURS = [(6, "6 hours"), (24, "24 hours"), (72, "3 days"), (168, "7 days")]


class WindowForm(forms.Form):
    hours = forms.TypedChoiceField(
        label="Over the last", choices=HOURS, coerce=int, initial=24, required=False
    )


class BatchForm(SearchForm):
    """A search, and what to do to the signatures it finds; with the preview's numbers
    once confirmed."""

    move = forms.ChoiceField(
        label="Do",
        choices=[(State.INVALIDATED, "Invalidate"), (State.HELD, "Hold for review")],
        widget=forms.HiddenInput,
    )
    last_id = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    counted = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    held = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class SingleForm(forms.Form):
    """One change to one signature, from the search results."""

    change = forms.ChoiceField(choices=[(change, change) for change in SINGLE])
