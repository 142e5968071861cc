from django.conf import settings
from django.urls import reverse

from undersigned.mail.messages import send_templated

from .models import Signature
from .tokens import confirmation_token, manage_token


def _context(signature: Signature, *, requested: bool = False) -> dict[str, object]:
    confirm = reverse("signature_confirm", kwargs={"token": confirmation_token(signature.pk)})
    token = manage_token(signature.pk, requested=requested)
    manage = reverse("signature_manage", kwargs={"token": token})
    return {
        "signature": signature,
        "letter": signature.letter,
        "confirm_url": settings.BASE_URL + confirm,
        "manage_url": settings.BASE_URL + manage,
        "letter_url": settings.BASE_URL + signature.letter.get_absolute_url(),
    }


def confirmation_email_send(signature: Signature) -> None:
    send_templated("signing/email/confirmation", to=signature.email, context=_context(signature))


def reminder_email_send(signature: Signature) -> None:
    send_templated("signing/email/reminder", to=signature.email, context=_context(signature))


def manage_link_email_send(signature: Signature) -> None:
    send_templated(
        "signing/email/manage_link",
        to=signature.address_for_contact,
        context=_context(signature, requested=True),
    )


def confirmed_email_send(signature: Signature) -> None:
    """The link to manage a confirmed signature, for letters that keep it out of work mail."""
    send_templated(
        "signing/email/confirmed", to=signature.contact_email, context=_context(signature)
    )
