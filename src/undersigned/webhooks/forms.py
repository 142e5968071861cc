from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .endpoints import url_check
from .models import SUBSCRIBABLE


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The URL your CRM or tool gave you for webhooks, such as https://…"),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=100,
        required=False,
        help_text=_("For you: which tool this is, such as “Action Network”."),
    )
    events = forms.MultipleChoiceField(
        label=_("Send"),
        choices=[(choice.value, choice.label) for choice in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        initial=[choice.value for choice in SUBSCRIBABLE],
    )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            url_check(url)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return url


class EndpointChangeForm(EndpointForm):
    active = forms.BooleanField(
        label=_("Turned on"),
        required=False,
        help_text=_(
            "While it is off, nothing is sent to it, and what happened meanwhile is not sent later."
        ),
    )
