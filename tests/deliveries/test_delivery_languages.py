"""A delivery says in which language and version of the text its signatures were given,
where they were given in more than one; a small group of them is never shown exactly."""

import pytest
from django.utils import timezone

from tests.conftest import signed_and_confirmed
from undersigned.deliveries.documents import delivery_document
from undersigned.deliveries.models import Delivery, Method
from undersigned.letters.models import Letter, LetterTranslation
from undersigned.letters.publishing import translation_version_record
from undersigned.signing.models import Signature

pytestmark = pytest.mark.django_db


def _delivery(letter: Letter) -> Delivery:
    version = letter.versions.filter(language="").get()
    return Delivery.objects.create(
        letter=letter,
        number=1,
        method=Method.MANUAL,
        letter_version=version,
        until=timezone.now(),
        total=8,
        verified=0,
        signatures=8,
    )


def test_the_delivery_counts_signatures_by_the_text_they_were_given_on(petition: Letter) -> None:
    translation = LetterTranslation.objects.create(
        letter=petition, language="es", title="Abandonen el contrato", body="Pedimos."
    )
    spanish = translation_version_record(translation)
    assert spanish is not None
    for i in range(6):
        signed_and_confirmed(petition, f"en{i}@example.org")
    for i in range(2):
        signature = signed_and_confirmed(petition, f"es{i}@example.org")
        Signature.objects.filter(pk=signature.pk).update(language="es", letter_version=spanish)
    counts = dict(delivery_document(_delivery(petition)).counts)
    assert counts["Signed reading it in English, version 1"] == "6"
    assert counts[f"Signed reading it in Español, version {spanish.number}"] == "fewer than 5"


def test_a_delivery_in_one_language_says_nothing_more(petition: Letter) -> None:
    signed_and_confirmed(petition, "ada@example.org")
    counts = dict(delivery_document(_delivery(petition)).counts)
    assert not any(label.startswith("Signed reading") for label in counts)
