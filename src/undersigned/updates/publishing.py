"""An editor's send: the update goes public (unless for signers only) and out, once."""

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.accounts.models import User

from .models import Update, UpdateStatus
from .tasks import list_recipients, send_update_test


class AlreadySent(Exception):
    """The update was sent already: sending it again would write to everyone twice."""


def update_send(update: Update) -> None:
    """An editor's send: the update goes public (unless for signers only) and out."""
    with transaction.atomic():
        started = Update.objects.filter(pk=update.pk, status=UpdateStatus.DRAFT).update(
            status=UpdateStatus.SENDING, sent_at=timezone.now()
        )
        if not started:
            raise AlreadySent(_("“%(subject)s” was sent already.") % {"subject": update.subject})
        update.letter.story_changed()
        list_recipients.enqueue(update.pk)
    update.refresh_from_db()


def update_test_send(update: Update, user: User) -> None:
    """The update as a signer would receive it, to the editor who asked, through the worker."""
    send_update_test.enqueue(update.pk, user.pk, uuid.uuid4().hex)
