from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from undersigned.letters.models import Letter, Target

from .models import Method, Response


class TargetChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Target) -> str:
        address = obj.email_address
        if address:
            return f"{obj} — {address}"
        return gettext("%(target)s (no email address)") % {"target": obj}


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How"), choices=Method.choices, widget=forms.RadioSelect, initial=Method.EMAIL
    )
    targets = TargetChoice(
        label=_("To"),
        queryset=Target.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "An emailed delivery goes to each chosen target's email delivery address, "
            "with the PDF and a CSV file of the signatories attached."
        ),
    )
    delivered_on = forms.DateField(
        label=_("Delivered on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a delivery made another way: the day it was handed over."),
    )
    how = forms.CharField(
        label=_("Delivered how"),
        required=False,
        max_length=200,
        help_text=_("For a delivery made another way: “by hand”, “by post”, “at the AGM”."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Public, on the letter's page: “Handed to the CEO's office”."),
    )
    closes_signing = forms.BooleanField(
        label=_("Close signing with this delivery"),
        required=False,
        initial=True,
        help_text=_(
            "Signatures that arrive later can still go in an addendum if you leave it open."
        ),
    )

    def __init__(self, *args: Any, letter: Letter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = letter.targets.all()
        self.fields["targets"].queryset = targets  # type: ignore[attr-defined]
        self.fields["targets"].initial = [t.pk for t in targets if t.email_address]
        if not letter.is_open:
            del self.fields["closes_signing"]

    def clean_delivered_on(self) -> Any:
        day = self.cleaned_data.get("delivered_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                gettext("A delivery cannot be recorded for a day still to come.")
            )
        return day


class ResponseForm(forms.ModelForm):
    source_url = forms.URLField(
        label=_("Source"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("A link to the memo, the letter or the article, if there is one."),
    )

    class Meta:
        model = Response
        fields = ("target", "responded_on", "text", "source_url")
        labels = {
            "target": _("Who answered"),
            "responded_on": _("When"),
            "text": _("What they said"),
            "source_url": _("Source"),
        }
        help_texts = {
            "text": _("Markdown. Quote them exactly; it is published on the letter's page."),
            "source_url": _("A link to the memo, the letter or the article, if there is one."),
        }
        widgets = {
            "responded_on": forms.DateInput(attrs={"type": "date"}),
            "text": forms.Textarea(attrs={"rows": 10}),
        }

    def __init__(self, *args: Any, letter: Letter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = letter.targets.all()  # type: ignore[attr-defined]

    def clean_responded_on(self) -> Any:
        day = self.cleaned_data.get("responded_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(gettext("A response cannot come from a day still to come."))
        return day
