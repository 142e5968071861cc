"""The signer's emails as background tasks: one task per kind, each loading its signature
by id and sending at most once per key, retrying only what the relay may take later."""

import logging

from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task, TaskContext
from django_tasks_db.models import DBTaskResult

from undersigned.mail.messages import RETRY_DELAYS, TemporaryFailure

from .emails import data_request_email_send, signer_email_send
from .models import Signature
from .recipients import Purpose

logger = logging.getLogger(__name__)


@task()
def send_confirmation(signature_id: int, attempt: int = 1) -> None:
    _send(send_confirmation, signature_id, Purpose.PROOF, f"proof:{signature_id}", attempt)


@task()
def send_reminder(signature_id: int, number: int = 1, attempt: int = 1) -> None:
    key = f"reminder:{signature_id}:{number}"
    _send(send_reminder, signature_id, Purpose.REMINDER, key, attempt, number)


@task()
def send_manage_link(signature_id: int, request: str = "", attempt: int = 1) -> None:
    key = f"manage_link:{signature_id}:{request}"
    _send(send_manage_link, signature_id, Purpose.MANAGE_LINK, key, attempt, request)


@task()
def send_confirmed(signature_id: int, attempt: int = 1) -> None:
    _send(
        send_confirmed, signature_id, Purpose.CONFIRMED_NOTE, f"confirmed:{signature_id}", attempt
    )


@task(takes_context=True)
def send_data_request(context: TaskContext, address: str, request: str, attempt: int = 1) -> None:
    """Email the link to everything kept about an address, if anything is and the rule
    allows it. The address is an argument, since a verified signature no longer keeps it:
    once used, it is blanked from the task's own row, which outlives the task."""
    try:
        data_request_email_send(address, request=request)
    except TemporaryFailure:
        if attempt > len(RETRY_DELAYS):
            raise
        logger.warning("A data request's message not sent on try %d; trying again later.", attempt)
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        send_data_request.using(run_after=run_after).enqueue(address, request, attempt=attempt + 1)
    finally:
        DBTaskResult.objects.filter(pk=context.task_result.id).update(
            args_kwargs={"args": [], "kwargs": {}}
        )


def _send(
    again: Task[..., None],
    signature_id: int,
    purpose: Purpose,
    key: str,
    attempt: int,
    *args: object,
) -> None:
    signature = Signature.objects.loaded(signature_id)
    if signature is None:
        return  # withdrawn meanwhile, or forgotten unconfirmed
    try:
        signer_email_send(signature, purpose, key=key)
    except TemporaryFailure:
        if attempt > len(RETRY_DELAYS):
            raise  # the task fails, and says why, after the last try
        logger.warning("Message %s not sent on try %d; trying again later.", key, attempt)
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        again.using(run_after=run_after).enqueue(signature_id, *args, attempt=attempt + 1)
