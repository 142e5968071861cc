"""An update as each signer receives it, and as its editor previews and tests it."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from undersigned.mail.lists import list_headers, sender_on_behalf_of
from undersigned.mail.messages import message_build
from undersigned.signing.tokens import unsubscribe_token

from .models import Update

TEMPLATE = "updates/email/update"


def unsubscribe_url(organisation_id: int, address_key: str) -> str:
    token = unsubscribe_token(organisation_id, address_key)
    return settings.BASE_URL + reverse("unsubscribe", kwargs={"token": token})


def update_message(update: Update, *, to: str, address_key: str) -> EmailMultiAlternatives:
    """The whole message for one address: the same for a signer, a test and the preview."""
    letter = update.letter
    organisation = letter.organisation
    unsubscribe = unsubscribe_url(organisation.pk, address_key)
    context = {
        "update": update,
        "letter": letter,
        "organisation": organisation,
        "letter_url": settings.BASE_URL + letter.get_absolute_url(),
        "update_url": settings.BASE_URL + update.get_absolute_url() if update.is_public else "",
        "unsubscribe_url": unsubscribe,
    }
    headers = list_headers(
        list_name=f"Updates from {organisation.name}",
        list_slug=organisation.slug,
        unsubscribe_url=unsubscribe,
    )
    return message_build(
        TEMPLATE,
        to=to,
        context=context,
        headers=headers,
        from_email=sender_on_behalf_of(organisation.name),
        reply_to=organisation.contact_email,
    )
