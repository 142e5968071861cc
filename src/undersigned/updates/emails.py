"""An update as each signer receives it, and as its editor previews and tests it."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from undersigned.mail.lists import list_headers, sender_on_behalf_of
from undersigned.mail.messages import Rendered, message_render
from undersigned.signing.tokens import unsubscribe_token

from .models import Update

TEMPLATE = "updates/email/update"
# Stands for each recipient's own unsubscribe link while the update is rendered once; the
# link is URL-safe, so escaping leaves both the same in the text and in the HTML.
PLACEHOLDER = "unsubscribe-link-of-the-recipient"


def unsubscribe_url(organisation_id: int, address_key: str) -> str:
    token = unsubscribe_token(organisation_id, address_key)
    return settings.BASE_URL + reverse("unsubscribe", kwargs={"token": token})


class UpdateMail:
    """An update rendered once for all its recipients (an update no longer changes once
    sent); each message differs only in its unsubscribe link."""

    def __init__(self, update: Update) -> None:
        self.update = update
        self.organisation = update.letter.organisation
        # Rendered once per language its recipients read (Signature.language).
        self._rendered: dict[str, Rendered] = {}

    def rendered(self, language: str) -> Rendered:
        if language not in self._rendered:
            with translation.override(language):
                self._rendered[language] = self._render()
        return self._rendered[language]

    def _render(self) -> Rendered:
        update, letter = self.update, self.update.letter
        return message_render(
            TEMPLATE,
            {
                "update": update,
                "letter": letter,
                "organisation": self.organisation,
                "letter_url": settings.BASE_URL + letter.get_absolute_url(),
                # Signers get it once it is sent, and then it is public unless for them only:
                # the preview of a draft shows the same link.
                "update_url": ""
                if update.signers_only
                else settings.BASE_URL + update.get_absolute_url(),
                "unsubscribe_url": PLACEHOLDER,
            },
        )

    def to(self, address: str, *, address_key: str, language: str = "") -> EmailMultiAlternatives:
        """The whole message for one address, in the language its signer read the letter in
        (the site's default for a test and the preview): the same for all three."""
        organisation = self.organisation
        language = language or settings.LANGUAGE_CODE
        with translation.override(language):
            unsubscribe = unsubscribe_url(organisation.pk, address_key)
            headers = list_headers(
                list_name=translation.gettext("Updates from %(organisation)s")
                % {"organisation": organisation.name},
                list_slug=organisation.slug,
                unsubscribe_url=unsubscribe,
            )
            sender = sender_on_behalf_of(organisation.name)
        return (
            self.rendered(language)
            .replaced(PLACEHOLDER, unsubscribe)
            .message(
                to=address,
                headers=headers,
                from_email=sender,
                reply_to=organisation.contact_email,
            )
        )


def update_message(update: Update, *, to: str, address_key: str) -> EmailMultiAlternatives:
    return UpdateMail(update).to(to, address_key=address_key)
