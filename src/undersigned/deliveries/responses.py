"""A target's response: recorded by an editor, published under its delivery, and told to
the signers who asked for news through an update drafted from it."""

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.updates.models import Kind, Update

from .models import Delivery, DeliveryStatus, Response


def response_record(*, letter: Letter, response: Response, by: User | None) -> Response:
    """Save the response under the latest delivery to its target that did not fail (its
    PDF may still be building), if there is one."""
    response.letter = letter
    response.created_by = by
    response.delivery = (
        Delivery.objects.filter(letter=letter, targets=response.target)
        .exclude(status=DeliveryStatus.FAILED)
        .order_by("-number")
        .first()
    )
    with transaction.atomic():
        response.save()
        letter.story_changed()
    return response


def response_update_draft(response: Response, *, by: User | None) -> Update:
    """An update telling signers what the target answered, for an editor to read and send."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in response.text.splitlines())
    source = (
        "\n\n" + _("Read it in full: %(url)s") % {"url": response.source_url}
        if response.source_url
        else ""
    )
    answered = _("On %(day)s, %(target)s answered:") % {
        "day": date_format(response.responded_on, "j F Y"),
        "target": response.target,
    }
    return Update.objects.create(
        letter=response.letter,
        kind=Kind.RESPONSE,
        subject=_("%(target)s answered our letter") % {"target": response.target.name},
        body=f"{answered}\n\n{quoted}{source}",
        created_by=by,
    )
