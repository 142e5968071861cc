"""An update as each signer receives it, and as its editor previews and tests it."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from undersigned.mail.lists import list_headers, sender_on_behalf_of
from undersigned.mail.messages import message_render
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
        letter = update.letter
        self.organisation = letter.organisation
        self.rendered = message_render(
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
        self.sender = sender_on_behalf_of(self.organisation.name)

    def to(self, address: str, *, address_key: str) -> EmailMultiAlternatives:
        """The whole message for one address: the same for a signer, a test and the preview."""
        organisation = self.organisation
        unsubscribe = unsubscribe_url(organisation.pk, address_key)
        headers = list_headers(
            list_name=f"Updates from {organisation.name}",
            list_slug=organisation.slug,
            unsubscribe_url=unsubscribe,
        )
        return self.rendered.replaced(PLACEHOLDER, unsubscribe).message(
            to=address,
            headers=headers,
            from_email=self.sender,
            reply_to=organisation.contact_email,
        )


def update_message(update: Update, *, to: str, address_key: str) -> EmailMultiAlternatives:
    return UpdateMail(update).to(to, address_key=address_key)
