from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from .models import Signature


@task()
def send_confirmation(signature_id: int) -> None:
    from .emails import confirmation_email_send

    signature = Signature.objects.select_related("letter").filter(pk=signature_id).first()
    if signature is not None and signature.email:
        confirmation_email_send(signature)


@task()
def send_reminder(signature_id: int) -> None:
    from .emails import reminder_email_send

    signature = Signature.objects.select_related("letter").filter(pk=signature_id).first()
    if signature is not None and signature.email:
        reminder_email_send(signature)


@task()
def send_manage_link(signature_id: int) -> None:
    from .emails import manage_link_email_send

    signature = Signature.objects.select_related("letter").filter(pk=signature_id).first()
    if signature is not None and signature.address_for_contact:
        manage_link_email_send(signature)


@task()
def send_confirmed(signature_id: int) -> None:
    from .emails import confirmed_email_send

    signature = Signature.objects.select_related("letter").filter(pk=signature_id).first()
    if signature is not None and signature.contact_email:
        confirmed_email_send(signature)


FORGET_INTERVAL = timedelta(hours=1)


@task()
def forget_unconfirmed() -> None:
    """Delete expired unconfirmed signatures, then come back in an hour: the promise that
    an unconfirmed address is gone once its link expires holds without a cron job."""
    from .signatures import signatures_forget_unconfirmed

    signatures_forget_unconfirmed()
    forget_unconfirmed.using(run_after=timezone.now() + FORGET_INTERVAL).enqueue()


def housekeeping_schedule() -> None:
    """Start the forget_unconfirmed round unless one is already waiting (a worker starts)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=forget_unconfirmed.module_path
    )
    if not waiting.exists():
        forget_unconfirmed.enqueue()
