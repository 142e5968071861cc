from django.conf import settings
from django.urls import reverse

from undersigned.mail.messages import send_templated

from .models import Signature
from .tokens import confirmation_token


def _context(signature: Signature) -> dict[str, object]:
    path = reverse("signature_confirm", kwargs={"token": confirmation_token(signature.pk)})
    return {
        "signature": signature,
        "letter": signature.letter,
        "confirm_url": settings.BASE_URL + path,
        "letter_url": settings.BASE_URL + signature.letter.get_absolute_url(),
    }


def confirmation_email_send(signature: Signature) -> None:
    send_templated("signing/email/confirmation", to=signature.email, context=_context(signature))


def reminder_email_send(signature: Signature) -> None:
    send_templated("signing/email/reminder", to=signature.email, context=_context(signature))
