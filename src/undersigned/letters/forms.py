"""The letter editor's forms: the letter with its signing policy, and its targets."""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from undersigned.lib.email_address import canonical_domain

from .editing import letter_free_slug
from .models import POLICY_FIELDS, Letter, LetterTranslation, Target
from .sharing import embed_origin

TEXT_FIELDS = ("title", "slug", "language", "body", "demands", "pledge", "goal", "goal_rises")
ELIGIBILITY_FIELDS = ("eligibility", "eligible_domains", "include_subdomains")
ASK_FIELDS = tuple(f"ask_{name}" for name in POLICY_FIELDS)
COMMENT_FIELDS = ("comment_review",)
DISPLAY_FIELDS = ("allow_full_name", "allow_initials", "allow_anonymous", "reveal_threshold")
COUNT_FIELDS = ("count_step",)
SHARING_FIELDS = ("hashtag", "embed_origins")


class OriginsField(forms.CharField):
    """Sites, one per line, kept as a list of origins in the form browsers write them."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        lines = [line for line in str(super().to_python(value)).splitlines() if line.strip()]
        origins: list[str] = []
        errors: list[ValidationError] = []
        for line in lines:
            try:
                origin = embed_origin(line)
            except ValidationError as error:
                errors.append(error)
            else:
                if origin not in origins:
                    origins.append(origin)
        if errors:
            raise ValidationError(errors)
        return origins


class LetterForm(forms.ModelForm):
    # Declared here for messages that say what a too-small number would do.
    reveal_threshold = forms.IntegerField(
        label=_("Reveal names once this many verified people have signed"),
        required=False,
        min_value=2,
        error_messages={
            "min_value": _(
                "A threshold of 1 would show the first signer's name at once. "
                "Use 2 or more, or leave it empty to show names from the start."
            )
        },
        help_text=_(
            "Until then no signature is listed anywhere: not on the letter's page, "
            "not in the API, not in your export; only the counts show. If withdrawals take the "
            "number of verified signers below it, names hide again. Only verified signers "
            "count, so it needs a letter for academic addresses or for listed domains. Leave "
            "it empty to show names from the first signature."
        ),
    )
    count_step = forms.IntegerField(
        label=_("Show counts in steps of"),
        required=False,
        min_value=2,
        error_messages={
            "min_value": _(
                "Steps of 1 are the exact count. Use 2 or more, or leave it empty "
                "to show exact counts."
            )
        },
        help_text=_(
            "For small groups, so that one new signature cannot be tied to the one "
            "person who just signed. With steps of 50, a count of 153 shows as “150+”, and "
            "anything under 50 as “fewer than 50”. Leave it empty to show exact counts."
        ),
    )
    embed_origins = OriginsField(
        label=_("Sites that may show the sign form"),
        required=False,
        help_text=_(
            "Any site may put the letter's sign form on its pages with the code on the "
            "letter's page. To allow only some, list their addresses, one per line, like "
            "https://news.example; https://*.news.example allows its subdomains too. Leave "
            "it empty to allow any site."
        ),
    )

    class Meta:
        model = Letter
        fields = (
            *TEXT_FIELDS,
            *ELIGIBILITY_FIELDS,
            *ASK_FIELDS,
            *COMMENT_FIELDS,
            *DISPLAY_FIELDS,
            *COUNT_FIELDS,
            *SHARING_FIELDS,
        )
        labels = {
            "title": _("Title"),
            "slug": _("Address"),
            "language": _("Language of the letter"),
            "body": _("Text"),
            "demands": _("Demands"),
            "pledge": _("Pledge"),
            "goal": _("Goal"),
            "goal_rises": _("Raise the goal when it is reached"),
            "eligibility": _("Accept signatures from"),
            "eligible_domains": _("Domains"),
            "include_subdomains": _("Also accept addresses at their subdomains"),
            "ask_affiliation": _("Institution or organisation"),
            "ask_title": _("Title or role"),
            "ask_department": _("Team or department"),
            "ask_location": _("City or site"),
            "ask_country": _("Country"),
            "ask_postal_code": _("Postal code"),
            "ask_comment": _("Public comment"),
            "comment_review": _("Comments show"),
            "allow_full_name": _("In full"),
            "allow_initials": _("As initials"),
            "allow_anonymous": _("Not at all (anonymous)"),
            "hashtag": _("Hashtag"),
        }
        help_texts = {
            "slug": _(
                "The letter's web address: /letters/<address>/. Leave it blank to make "
                "one from the title."
            ),
            "body": _(
                "Markdown: **bold**, *italic*, [a link](https://example.org), "
                "## a heading, - a list item."
            ),
            "demands": _("One demand per line; shown as a numbered list."),
            "pledge": _("What every signer pledges, if anything."),
            "goal": _("The number of signatures you aim for; shown with a progress bar."),
            "goal_rises": _(
                "When the count reaches the goal, it rises to the next step "
                "(1,000 → 2,500 → 5,000 → 10,000 → 25,000 …). Untick it to keep the goal where "
                "it is. Either way, owners and editors get an email, and an update is drafted "
                "for you to send."
            ),
            "eligible_domains": _(
                "For addresses at listed domains only: one domain per line, "
                "like example.org. Only these domains match, never look-alikes such as "
                "example.org.evil.example or evilexample.org."
            ),
            "hashtag": _(
                "Added to the letter's share links, so that posts about it find each "
                "other; one word, like NoCameras, with or without “#”."
            ),
            "ask_department": _("Public, even beside an anonymous signature."),
            "ask_location": _("Public, even beside an anonymous signature."),
            "comment_review": _(
                "Beside the signer's name as they chose to show it, never "
                "beside an anonymous signature, on the signatures page and in the delivery. "
                "Shown at once, a moderator can still hide an abusive one; held, none shows "
                "until an owner or moderator approves it. A hidden comment leaves its signature "
                "counted."
            ),
            "include_subdomains": _(
                "With example.org listed, also accept eng.example.org. "
                "Turn it off if subdomains hold addresses of people who should not sign, such "
                "as customers or students."
            ),
        }
        error_messages = {
            "slug": {"unique": _("Another letter already uses this address. Choose another.")},
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 14}),
            "demands": forms.Textarea(attrs={"rows": 4}),
            "pledge": forms.Textarea(attrs={"rows": 3}),
            "eligible_domains": forms.Textarea(attrs={"rows": 3}),
            "eligibility": forms.RadioSelect,
            "comment_review": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["language"] = forms.ChoiceField(
            choices=settings.LANGUAGES,
            label=_("Language of the letter"),
            help_text=_("The language you write it in. Add translations once it is saved."),
        )
        if self.instance.is_public:
            # Links to a published letter are out in the world; its address stays put.
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _("A published letter keeps its address.")

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].strip().lower()
        title = self.cleaned_data.get("title")
        if not slug and title:
            return letter_free_slug(title, letter=self.instance)
        return slug

    def clean_hashtag(self) -> str:
        hashtag: str = self.cleaned_data["hashtag"].strip()
        return hashtag.removeprefix("#")

    def clean_eligible_domains(self) -> str:
        lines = self.cleaned_data["eligible_domains"].splitlines()
        # Stored as signers' domains are compared: "bücher.example" as its ASCII form.
        # Letter.clean() says what is wrong with a line that is no domain.
        return "\n".join(canonical_domain(line) for line in lines if line.strip())


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ("name", "role", "organisation", "delivery_address")
        labels = {
            "name": _("Name"),
            "role": _("Role"),
            "organisation": _("Organisation"),
            "delivery_address": _("Delivery address"),
        }
        help_texts = {
            "name": _("A person or a body, such as “Dana Whitfield” or “The city council”."),
            "delivery_address": _(
                "An email or postal address to deliver the letter to. Never shown."
            ),
        }


class BaseTargetFormSet(BaseInlineFormSet):
    default_error_messages = {
        **BaseInlineFormSet.default_error_messages,
        "too_few_forms": _("Address the letter to at least one target."),
    }

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this target")

    def kept(self) -> list[Target]:
        """The targets to save, in form order: the existing ones and any filled-in new one."""
        deleted = self.deleted_forms
        return [
            form.instance
            for form in self.forms
            if form not in deleted and (form.instance.pk is not None or form.has_changed())
        ]

    def removed(self) -> list[Target]:
        return [form.instance for form in self.deleted_forms if form.instance.pk is not None]


TargetFormSet = cast(
    type[BaseTargetFormSet],
    inlineformset_factory(
        Letter,
        Target,
        form=TargetForm,
        formset=BaseTargetFormSet,
        extra=1,
        min_num=1,
        validate_min=True,
        can_delete=True,
        can_delete_extra=False,
    ),
)


class LetterTranslationForm(forms.ModelForm):
    """The letter's text in one other language; the language is the page's, not a field."""

    class Meta:
        model = LetterTranslation
        fields = ("title", "body", "demands", "pledge")
        labels = {
            "title": _("Title"),
            "body": _("Text"),
            "demands": _("Demands"),
            "pledge": _("Pledge"),
        }
        help_texts = {
            "body": _("Markdown, as in the letter."),
            "demands": _("One demand per line, in the same order as the letter's."),
        }
        widgets = {
            "demands": forms.Textarea(attrs={"rows": 4}),
            "pledge": forms.Textarea(attrs={"rows": 3}),
        }
