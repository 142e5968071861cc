"""Finding a letter's signatures by where they came from, what they tripped and when."""

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from undersigned.letters.models import Letter
from undersigned.lib.forms import FocusFirstError
from undersigned.signing.models import Signature, SignatureQuerySet, State

# "Any suspect code": a signature that tripped at least one rule.
ANY_SUSPECT = "*"
# A subnet label without its dashes, or the start of one (or the whole keyed hash).
LABEL = re.compile(r"[0-9a-f]{4,64}")


class SearchForm(FocusFirstError):
    """A search of one letter's signatures; every field may be left empty."""

    subnet = forms.CharField(
        label=_("Subnet"),
        required=False,
        max_length=80,
        help_text=_("Its label, as in the trending table: 3f9a-c21b-77e0."),
    )
    domain = forms.CharField(
        label=_("Address domain"), required=False, max_length=253, help_text="example.org"
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *State.choices]
    )
    suspect = forms.ChoiceField(label=_("Suspect code"), required=False)
    since = forms.DateTimeField(
        label=_("Made from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("UTC."),
    )
    until = forms.DateTimeField(
        label=_("Made before"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("UTC."),
    )

    def __init__(self, *args: Any, letter: Letter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.letter = letter
        codes = suspect_codes(letter)
        self.fields["suspect"].choices = [  # type: ignore[attr-defined]
            ("", gettext("Suspect or not")),
            (ANY_SUSPECT, gettext("Any suspect code")),
            *[(code, code) for code in codes],
        ]

    def clean_subnet(self) -> str:
        label = self.cleaned_data["subnet"].strip().lower().replace("-", "")
        if label and not LABEL.fullmatch(label):
            raise forms.ValidationError(
                gettext(
                    "A subnet label is four to twelve hex digits, in groups of four: "
                    "3f9a-c21b-77e0."
                )
            )
        return label

    def clean_domain(self) -> str:
        domain = self.cleaned_data["domain"].strip().lower().removeprefix("@")
        if domain and not re.fullmatch(r"[^\s@]+", domain):
            raise forms.ValidationError(gettext("Give the part after the @ only: example.org."))
        return domain

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            self.add_error("until", gettext("This must be later than “Made from”."))
        return data

    @property
    def query(self) -> dict[str, str]:
        """The search as given, without its empty fields: kept with a batch, and put in
        links again."""
        data = self.cleaned_data
        given = {name: data.get(name) or "" for name in ("subnet", "domain", "state", "suspect")}
        given.update(since=_when(data.get("since")), until=_when(data.get("until")))
        return {name: value for name, value in given.items() if value}

    def signatures(self) -> SignatureQuerySet:
        """The letter's signatures the search finds, newest first; call once valid."""
        return found(self.letter, self.cleaned_data)


def found(letter: Letter, data: dict[str, Any]) -> SignatureQuerySet:
    signatures = Signature.objects.filter(letter=letter)
    if data.get("subnet"):
        signatures = signatures.filter(subnet_hash__startswith=data["subnet"])
    if data.get("domain"):
        signatures = signatures.filter(email_domain=data["domain"])
    if data.get("state"):
        signatures = signatures.filter(state=data["state"])
    if data.get("suspect") == ANY_SUSPECT:
        signatures = signatures.exclude(suspect="")
    elif data.get("suspect"):
        signatures = signatures.filter(_has_code(data["suspect"]))
    if data.get("since"):
        signatures = signatures.filter(created_at__gte=data["since"])
    if data.get("until"):
        signatures = signatures.filter(created_at__lt=data["until"])
    return signatures.order_by("-created_at", "-pk")


def _has_code(code: str) -> Q:
    """`suspect` holds codes separated by commas: this one, alone or among others."""
    return (
        Q(suspect=code)
        | Q(suspect__startswith=f"{code},")
        | Q(suspect__endswith=f",{code}")
        | Q(suspect__contains=f",{code},")
    )


def suspect_codes(letter: Letter) -> list[str]:
    """The codes the letter's suspect signatures carry."""
    values = (
        Signature.objects.filter(letter=letter)
        .exclude(suspect="")
        .values_list("suspect", flat=True)
        .distinct()
    )
    return sorted({code for value in values for code in value.split(",") if code})


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else ""
