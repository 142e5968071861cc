"""Mail leaves through a real SMTP relay, configured the way an operator configures it."""

from pathlib import Path
from typing import Any

from django.test import Client

from tests.conftest import run_tasks, sign
from tests.mail.conftest import Relay, use_relay
from tests.processes import settings_of_another_process
from undersigned.letters.models import Letter
from undersigned.signing.models import Level, Signature


def test_it_delivers_the_confirmation_email_to_the_relay(
    client: Client, petition: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    settings.DEFAULT_FROM_EMAIL = "Open Streets Alliance <petitions@streets.example>"

    sign(client, petition)
    assert relay.deliveries == []  # the worker sends it, not the request
    run_tasks()

    [delivery] = relay.deliveries
    signature = Signature.objects.get(letter=petition)
    assert delivery.mail_from == "petitions@streets.example"
    assert delivery.rcpt_tos == ["suzie@example.org"]
    message = delivery.message
    assert message["From"] == "Open Streets Alliance <petitions@streets.example>"
    assert message["To"] == "suzie@example.org"
    assert message["Subject"] == "Confirm your signature: Drop the camera contract"
    assert message.get_content_type() == "multipart/alternative"
    link, signature_id = delivery.confirmation_link()
    assert link.startswith(f"{settings.BASE_URL}/confirm/")
    assert signature_id == signature.pk
    assert f'href="{link}"' in delivery.part("html")

    client.post(link.removeprefix(settings.BASE_URL), HTTP_ORIGIN=settings.BASE_URL)
    signature.refresh_from_db()
    assert signature.level == Level.CONFIRMED


def test_it_reads_an_smtp_relay_from_email_url(tmp_path: Path) -> None:
    configured = settings_of_another_process(
        tmp_path,
        ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL"],
        EMAIL_URL="smtp://127.0.0.1:2525",
    )
    assert configured == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": 2525,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
    }


def test_it_reads_credentials_and_starttls_from_email_url(tmp_path: Path) -> None:
    configured = settings_of_another_process(
        tmp_path,
        ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_USE_TLS"],
        EMAIL_URL="smtp+tls://mailer:s3cret@mail.streets.example:587",
    )
    assert configured == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.streets.example",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_USE_TLS": True,
    }
