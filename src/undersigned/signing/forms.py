import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from undersigned.letters.models import POLICY_FIELDS, Display, Eligibility, FieldRule, Letter
from undersigned.lib.forms import FocusFirstError

from .signatures import SignatureInput

LABELS = {
    "affiliation": _("Institution or organisation"),
    "title": _("Title or role"),
    "department": _("Team or department (public)"),
    "location": _("City or site (public)"),
    "country": _("Country"),
    "postal_code": _("Postal code"),
    "comment": _("Comment (public, unless you sign anonymously)"),
}
MAX_LENGTHS = {
    "affiliation": 200,
    "title": 200,
    "department": 100,
    "location": 100,
    "country": 100,
    "postal_code": 20,
    "comment": 1000,
}
MULTILINE = {"comment"}


# Zero-width (non-)joiners are how Persian and many Indic names are spelt.
JOINERS = {"\u200c", "\u200d"}


def reject_control_characters(value: str, *, multiline: bool = False) -> None:
    allowed = JOINERS | ({"\n", "\r", "\t"} if multiline else set())
    if any(unicodedata.category(ch) in {"Cc", "Cf"} and ch not in allowed for ch in value):
        raise ValidationError(_("Remove the invisible control characters."), code="control")


SOURCE_MAX_LENGTH = 40  # Signature.source
NOT_IN_SOURCE = re.compile(r"[^a-z0-9_-]")


def source_tag(value: str) -> str:
    """A `?source=` tag as organisers read it in their numbers: lower case letters, digits,
    "-" and "_", at most 40 of them; anything else is dropped ("News Letter!" → "newsletter")."""
    return NOT_IN_SOURCE.sub("", value.lower())[:SOURCE_MAX_LENGTH]


# The field a refusal from signature_create is about, by its code; others are the form's.
ERROR_FIELDS = {
    "display": "display",
    "domain_not_eligible": "email",
    "disposable": "email",
    "not_public": "email",
    "not_academic": "email",
    "address_flooded": "email",
    "contact_at_work": "contact_email",
    "contact_needed": "contact_email",
}


class SignatureForm(FocusFirstError):
    """The sign form, shaped by the letter's signing policy."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=120,
        help_text=_(
            "If you sign anonymously, you may leave it empty: we don't keep it. If you choose "
            "initials, we keep only those."
        ),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send you one link to confirm. It is never published."),
    )

    def __init__(self, *args: Any, letter: Letter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.letter = letter
        if not letter.allow_full_name:
            self.fields["name"].label = _("Your name")
        if self.data.get("display") == Display.ANONYMOUS:
            self.fields["name"].required = False
        if letter.eligibility == Eligibility.ACADEMIC:
            self.fields["email"].label = _("University or research address")
            self.fields["email"].help_text = _(
                "It proves your institution. We send it one link to confirm, then keep only "
                "a one-way hash of it and its domain. It is never published."
            )
        elif letter.eligibility == Eligibility.DOMAINS:
            self.fields["email"].label = _("Work address")
            self.fields["email"].help_text = _(
                "Your address at %(domains)s. It gets one email, to prove you work there, and "
                "never another; then we keep only a one-way hash of it and its domain."
            ) % {"domains": ", ".join(letter.domain_list)}
        if letter.eligibility != Eligibility.ANYONE:
            self.fields["contact_email"] = forms.EmailField(
                label=_("Personal address"),
                max_length=254,
                required=False,
                help_text=_(
                    "Only for updates you ask for and a link to withdraw. Never shown to "
                    "anyone, organisers included."
                ),
            )
            self.fields["contact_email"].widget.attrs["autocomplete"] = "home email"
        for name in POLICY_FIELDS:
            rule = letter.field_rule(name)
            if rule == FieldRule.OFF:
                continue
            widget = forms.Textarea(attrs={"rows": 3}) if name in MULTILINE else None
            self.fields[name] = forms.CharField(
                label=LABELS[name],
                max_length=MAX_LENGTHS[name],
                required=rule == FieldRule.REQUIRED,
                widget=widget,
            )
        self.fields["display"] = forms.ChoiceField(
            label=_("Show my name"),
            choices=letter.display_choices,
            initial=letter.display_choices[0][0] if letter.display_choices else None,
            widget=forms.RadioSelect,
        )
        self.fields["consent_updates"] = forms.BooleanField(
            label=letter.consent_wording, required=False
        )
        # Which text the signer saw; an unknown value falls back to the current version, since
        # an error on a hidden field is one the signer could neither see nor fix.
        self.fields["version"] = forms.CharField(widget=forms.HiddenInput, required=False)
        # The `?source=` tag of the link that brought the signer (a newsletter, a share),
        # carried from the letter page's address; cleaned, never refused, for the same reason.
        self.fields["source"] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):  # add_error() drops the field
            if isinstance(value, str):
                try:
                    reject_control_characters(value, multiline=name in MULTILINE)
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def clean_source(self) -> str:
        return source_tag(self.cleaned_data.get("source", ""))

    def add_refusal(self, error: ValidationError) -> None:
        """Show a refusal of the signature at the field it is about."""
        for refusal in error.error_list:
            field = ERROR_FIELDS.get(str(refusal.code))
            self.add_error(field if field in self.fields else None, refusal.messages)

    def to_input(self) -> SignatureInput:
        data = self.cleaned_data
        return SignatureInput(
            name=data["name"].strip(),
            email=data["email"].strip(),
            display=data["display"],
            consent_updates=data["consent_updates"],
            contact_email=data.get("contact_email", "").strip(),
            text_hash=data.get("version", "")[:64],
            source=data.get("source", ""),
            details={name: data[name].strip() for name in POLICY_FIELDS if name in data},
        )


class ManageLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("The address you signed with, or your personal address"),
        max_length=254,
    )
