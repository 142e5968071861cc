"""The emails a signer gets, one template set each, addressed by the recipients rule."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from undersigned.lib.email_address import email_key
from undersigned.mail.messages import Outcome, message_build, message_send_once

from .models import Signature
from .privacy import signatures_for_request
from .recipients import Purpose, recipient
from .tokens import confirmation_token, data_request_token, manage_token

TEMPLATES = {
    Purpose.PROOF: "signing/email/confirmation",
    Purpose.REMINDER: "signing/email/reminder",
    Purpose.MANAGE_LINK: "signing/email/manage_link",
    Purpose.CONFIRMED_NOTE: "signing/email/confirmed",
    Purpose.DATA_REQUEST: "signing/email/data_request",
}


def signer_email_send(signature: Signature, purpose: Purpose, *, key: str) -> Outcome | None:
    """Send the email of this purpose to the address the rule allows, once per key;
    None where the rule allows no address (any more)."""
    to = recipient(signature, purpose)
    if not to:
        return None
    # In the language the signer read the letter in, links included.
    with translation.override(signature.language or settings.LANGUAGE_CODE):
        context = _context(signature, requested=purpose == Purpose.MANAGE_LINK)
        message = message_build(TEMPLATES[purpose], to=to, context=context)
    return message_send_once(message, key=key)


def _context(signature: Signature, *, requested: bool) -> dict[str, object]:
    confirm = reverse("signature_confirm", kwargs={"token": confirmation_token(signature.pk)})
    token = manage_token(signature.pk, requested=requested)
    manage = reverse("signature_manage", kwargs={"token": token})
    return {
        "signature": signature,
        "letter": signature.letter,
        "confirm_url": settings.BASE_URL + confirm,
        "manage_url": settings.BASE_URL + manage,
        "letter_url": settings.BASE_URL + signature.letter.get_absolute_url(),
        "manage_link_goes_home": bool(recipient(signature, Purpose.CONFIRMED_NOTE)),
    }


def data_request_email_send(address: str, *, request: str) -> Outcome | None:
    """Send the link to everything kept about an address, covering the signatures the rule
    lets this address see; None, and no email, where there are none."""
    signatures = signatures_for_request(address)
    if not signatures:
        return None
    key = email_key(address)
    token = data_request_token(key, [signature.pk for signature in signatures])
    context = {
        "data_url": settings.BASE_URL + reverse("personal_data", kwargs={"token": token}),
        "hours": settings.DATA_REQUEST_MAX_AGE // 3600,
    }
    message = message_build(TEMPLATES[Purpose.DATA_REQUEST], to=address, context=context)
    return message_send_once(message, key=f"data_request:{key}:{request}")
