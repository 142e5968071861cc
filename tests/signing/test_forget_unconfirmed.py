from datetime import timedelta

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import sign
from undersigned.letters.models import Letter
from undersigned.signing.models import Level, Signature
from undersigned.signing.tokens import CONFIRM_MAX_AGE


def test_it_deletes_unconfirmed_signatures_once_their_link_has_expired(
    client: Client, workers_letter: Letter
) -> None:
    sign(
        client,
        workers_letter,
        email="old@northwind.example",
        display="anonymous",
        consent_updates=None,
    )
    sign(
        client,
        workers_letter,
        email="new@northwind.example",
        display="anonymous",
        consent_updates=None,
    )
    expired = timezone.now() - timedelta(seconds=CONFIRM_MAX_AGE + 60)
    Signature.objects.filter(email="old@northwind.example").update(created_at=expired)

    call_command("forget_unconfirmed")

    assert list(Signature.objects.values_list("email", "level")) == [
        ("new@northwind.example", Level.PENDING)
    ]
