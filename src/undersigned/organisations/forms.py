from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from undersigned.accounts.factors import has_second_factor
from undersigned.accounts.models import User

from .models import Organisation, Role


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields: tuple[str, ...] = ("name", "contact_email")
        labels = {"name": _("Name"), "contact_email": _("Contact address")}
        help_texts = {
            "name": _("As signers and targets will see it, such as “Open Streets Alliance”."),
            "contact_email": _(
                "Where a signer's reply to one of your updates goes. Updates "
                "are sent from this site's own address; without a contact address, replies "
                "go nowhere."
            ),
        }


class OrganisationSettingsForm(OrganisationForm):
    """The owner's settings page: the organisation's details, and whether its members must
    sign in with a second factor, which an owner may turn on only with one of their own."""

    class Meta(OrganisationForm.Meta):
        fields = (*OrganisationForm.Meta.fields, "require_mfa")
        labels = {**OrganisationForm.Meta.labels, "require_mfa": _("Require two-factor sign-in")}
        help_texts = {
            **OrganisationForm.Meta.help_texts,
            "require_mfa": _(
                "Every member must sign in with an authenticator app or a passkey "
                "as well as their password. A member without one is sent to set one up before "
                "they can open this organisation's letters."
            ),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_require_mfa(self) -> bool:
        required: bool = self.cleaned_data["require_mfa"]
        if required and not has_second_factor(self.user):
            raise forms.ValidationError(
                _(
                    "Set up two-factor sign-in for your own account first (an authenticator "
                    "app or a passkey, on your Security page), so that you are not locked out."
                )
            )
        return required


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
