from collections.abc import Sequence

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

from .models import OutboxMessage


class OutboxBackend(ConsoleBackend):
    """Print each message, as the console backend does, and keep it for the outbox page."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = super().send_messages(email_messages)
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                html = next((str(c) for c, mime in message.alternatives if mime == "text/html"), "")
            OutboxMessage.objects.create(
                to=", ".join(message.recipients()),
                subject=str(message.subject),
                body=str(message.body),
                html=html,
                message=message.message().as_string(),
            )
        return sent
