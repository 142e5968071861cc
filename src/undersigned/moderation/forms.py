from django import forms
from django.utils.translation import gettext_lazy as _

from undersigned.letters.models import Takedown
from undersigned.signing.models import State

from .batches import SINGLE
from .search import SearchForm

# The windows the trending page offers, in hours.
HOURS = [(6, _("6 hours")), (24, _("24 hours")), (72, _("3 days")), (168, _("7 days"))]


class WindowForm(forms.Form):
    hours = forms.TypedChoiceField(
        label=_("Over the last"), choices=HOURS, coerce=int, initial=24, required=False
    )


class BatchForm(SearchForm):
    """A search, and what to do to the signatures it finds; with the preview's numbers
    once confirmed."""

    move = forms.ChoiceField(
        label=_("Do"),
        choices=[(State.INVALIDATED, _("Invalidate")), (State.HELD, _("Hold for review"))],
        widget=forms.HiddenInput,
    )
    last_id = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    counted = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    held = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class SingleForm(forms.Form):
    """One change to one signature, from the search results."""

    change = forms.ChoiceField(choices=[(change, change) for change in SINGLE])


class ReportForm(forms.Form):
    """The public's report of a letter: a reason from a short list, and a note."""

    reason = forms.ChoiceField(
        label=_("What is wrong with this letter?"),
        choices=Takedown.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What should the moderators know?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Do not include anyone's personal details. The letter's organisers do "
            "not see who reported it, and we keep no address of yours with the report."
        ),
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is sent back"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The organisers see this on their dashboard and by email."),
    )


class TakedownForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why it is taken down"), choices=Takedown.choices)


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why the letter should be put back up"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A letter may be appealed once for each takedown; the platform's "
            "moderators read it and decide."
        ),
    )
