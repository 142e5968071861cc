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
