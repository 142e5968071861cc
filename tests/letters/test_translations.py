"""A letter in several languages: its organisers write a translation per language of the
site, readers of a page in that language read it, and each signature records the text and
the language its signer read."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import ORIGIN, SIGNER, make_letter, run_tasks
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import Letter, LetterTranslation
from undersigned.organisations.models import Organisation
from undersigned.signing.abuse import form_started
from undersigned.signing.models import Signature

SPANISH = {
    "title": "Arreglen los ascensores",
    "body": "Pedimos a **Northwind** que arregle los ascensores.",
    "demands": "Arreglar los ascensores.\nPublicar cada contrato.",
    "pledge": "",
}


@pytest.fixture
def olu(organiser: User, organisation: Organisation) -> Client:
    client = Client()
    client.force_login(organiser)
    return client


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(organisation, slug="fix-the-lifts")


def translate(client: Client, letter: Letter, **changes: str) -> Any:
    url = f"/dashboard/letters/{letter.slug}/translations/es/"
    return client.post(url, {**SPANISH, **changes})


def test_an_editor_writes_a_translation_and_a_version_of_it_is_kept(
    olu: Client, letter: Letter
) -> None:
    page = olu.get(f"/dashboard/letters/{letter.slug}/")
    assert "Translate into Español" in page.text
    response = translate(olu, letter)
    assert response.status_code == 302
    translation = LetterTranslation.objects.get(letter=letter, language="es")
    assert translation.title == SPANISH["title"]
    version = letter.versions.get(language="es")
    assert version.text_hash == translation.text_hash()
    assert AuditEntry.objects.filter(action="letter.translate").exists()
    # Saving the same text again keeps no second version.
    translate(olu, letter)
    assert letter.versions.filter(language="es").count() == 1
    assert "Edit the text in Español" in olu.get(f"/dashboard/letters/{letter.slug}/").text


def test_a_bad_translation_is_refused_and_nothing_is_kept(olu: Client, letter: Letter) -> None:
    response = translate(olu, letter, title="")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert not LetterTranslation.objects.exists()


def test_the_letter_s_own_language_and_unknown_ones_have_no_translation_page(
    olu: Client, letter: Letter
) -> None:
    assert olu.get(f"/dashboard/letters/{letter.slug}/translations/en/").status_code == 404
    assert olu.get(f"/dashboard/letters/{letter.slug}/translations/xx/").status_code == 404


def test_readers_of_each_language_read_their_text(olu: Client, letter: Letter) -> None:
    translate(olu, letter)
    english = Client().get(f"/letters/{letter.slug}/").text
    spanish = Client().get(f"/es/letters/{letter.slug}/").text
    assert "Drop the camera contract" in english and SPANISH["title"] not in english
    assert SPANISH["title"] in spanish
    assert "Arreglar los ascensores." in spanish
    # Each page says which languages the letter can be read in.
    assert f'href="/language/es/?next=/es/letters/{letter.slug}/" lang="es"' in english
    assert f'href="/language/en/?next=/letters/{letter.slug}/" lang="en"' in spanish


def test_a_letter_without_a_translation_shows_its_own_text_marked_with_its_language(
    letter: Letter,
) -> None:
    spanish = Client().get(f"/es/letters/{letter.slug}/").text
    assert '<h1 lang="en">Drop the camera contract</h1>' in spanish


def test_a_signature_records_the_text_and_language_its_signer_read(
    olu: Client, letter: Letter
) -> None:
    translate(olu, letter)
    translation = LetterTranslation.objects.get(letter=letter)
    data = {**SIGNER, "version": translation.text_hash(), "started": form_started()}
    response = Client().post(f"/es/letters/{letter.slug}/sign/", data, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 302
    signature = Signature.objects.get(letter=letter)
    assert signature.language == "es"
    assert signature.letter_version.language == "es"
    assert signature.letter_version.title == SPANISH["title"]
    # The confirmation link leads to the Spanish pages.
    run_tasks()
    (message,) = mail.outbox
    assert "/es/confirm/" in message.body


def test_an_english_signature_records_english_and_the_letter_s_own_text(letter: Letter) -> None:
    data = {**SIGNER, "version": letter.text_hash(), "started": form_started()}
    assert (
        Client().post(f"/letters/{letter.slug}/sign/", data, HTTP_ORIGIN=ORIGIN).status_code == 302
    )
    signature = Signature.objects.get(letter=letter)
    assert signature.language == "en"
    assert signature.letter_version.language == ""


def test_removing_a_translation_sends_its_readers_back_to_the_letter_s_text(
    olu: Client, letter: Letter
) -> None:
    translate(olu, letter)
    url = f"/dashboard/letters/{letter.slug}/translations/es/"
    assert olu.post(url, {"remove": "1"}).status_code == 302
    assert not LetterTranslation.objects.exists()
    assert letter.versions.filter(language="es").exists()  # what signers read stays
    assert "Drop the camera contract" in Client().get(f"/es/letters/{letter.slug}/").text


def test_a_draft_s_translation_becomes_a_version_when_it_is_published(
    olu: Client, organisation: Organisation
) -> None:
    from undersigned.letters.publishing import letter_publish

    draft = make_letter(organisation, slug="draft-letter", publish=False)
    translate(olu, draft)
    assert not draft.versions.exists()
    letter_publish(letter=draft)
    assert draft.versions.filter(language="es").count() == 1
    assert draft.versions.filter(language="").count() == 1


def test_a_stranger_cannot_translate_a_letter(letter: Letter) -> None:
    stranger = User.objects.create_user("x@elsewhere.example", "a long stranger password")
    client = Client()
    client.force_login(stranger)
    assert translate(client, letter).status_code == 404
    assert not LetterTranslation.objects.exists()
