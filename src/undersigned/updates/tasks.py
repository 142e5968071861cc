"""Updates as background tasks: list the recipients once, then send in bounded slices.

Each slice runs well inside a task's lease (TASK_LEASE_SECONDS) and enqueues the next, so
a worker killed mid-slice is replaced by the lease watchdog and loses nothing.
"""

from django.conf import settings
from django_tasks import task

from undersigned.accounts.models import User
from undersigned.lib.email_address import email_key
from undersigned.mail.messages import message_send_once

from .emails import update_message
from .models import Update
from .sending import recipients_list, recipients_send


@task()
def list_recipients(update_id: int) -> None:
    update = _loaded(update_id)
    if update is None:
        return
    recipients_list(update)
    for _sender in range(settings.UPDATE_SENDERS):
        send_update.enqueue(update_id)


@task()
def send_update(update_id: int) -> None:
    update = _loaded(update_id)
    if update is None:
        return
    # Well inside the lease, so the watchdog never takes a slice for a dead worker's.
    seconds = min(settings.UPDATE_SLICE_SECONDS, settings.TASK_LEASE_SECONDS / 4)
    again = recipients_send(update, seconds=seconds)
    if again is not None:
        send_update.using(run_after=again).enqueue(update_id)


@task()
def send_update_test(update_id: int, user_id: int, attempt: str) -> None:
    """The update as a signer would receive it, to the editor who asked for it."""
    update = _loaded(update_id)
    user = User.objects.filter(pk=user_id).first()
    if update is None or user is None or not user.email:
        return
    message = update_message(update, to=user.email, address_key=email_key(user.email))
    message.subject = f"[Test] {message.subject}"
    message_send_once(message, key=f"update_test:{update_id}:{attempt}")


def _loaded(update_id: int) -> Update | None:
    return (
        Update.objects.select_related("letter", "letter__organisation").filter(pk=update_id).first()
    )
