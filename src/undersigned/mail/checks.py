"""Warn an operator whose real site would print or store the mail it sends."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

LOCAL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "printed to the console, and so the logs",
    "undersigned.mail.backends.OutboxBackend": "kept in the database for the outbox page",
}


@register(Tags.security, deploy=True)
def mail_leaves_the_site(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    where = LOCAL_BACKENDS.get(settings.EMAIL_BACKEND)
    if where is None or settings.DEBUG:
        return []
    return [
        Warning(
            f"Mail is {where}, with signers' addresses and their confirmation links, which "
            "a verified work address must not leave behind.",
            hint="Set EMAIL_URL to your mail relay, e.g. smtp+tls://user:password@host:587.",
            id="undersigned.W001",
        )
    ]
