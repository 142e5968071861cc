"""The translations are whole: every template word marked, every string of the code in each
language's catalogue, translated, not fuzzy, and compiled (lib/catalogues.py); and a page
asked for in Spanish is in Spanish, its emails too."""

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import ORIGIN, SIGNER, make_letter, run_tasks, skip_unless
from undersigned.lib.catalogues import catalogue_problems, gettext_available
from undersigned.lib.untranslated import untranslated_in
from undersigned.organisations.models import Organisation
from undersigned.signing.abuse import form_started


def test_every_string_is_marked_translated_and_compiled() -> None:
    skip_unless(gettext_available(), "the catalogue check needs GNU gettext (xgettext, msgfmt)")
    problems = [str(problem) for problem in catalogue_problems()]
    assert problems == [], "\n".join(problems[:80])


@pytest.mark.parametrize(
    ("source", "left"),
    [
        ("<p>Sign here</p>", ["Sign here"]),
        ('<p>{% translate "Sign here" %}</p>', []),
        ("<p>{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}</p>", []),
        ('<img alt="A map" src="x">', ["A map"]),
        ('<input type="submit" value="Send">', ["Send"]),
        ('<input type="text" value="data">', []),
        ("<p>{{ letter.title }} · 42</p>", []),
        ("<script>var words = 'not prose';</script>", []),
        ("{# Only a note for us #}<p></p>", []),
        ('<a href="{% url "home" %}">Home</a>', ["Home"]),
    ],
)
def test_the_check_finds_unmarked_words(source: str, left: list[str]) -> None:
    assert [found.text for found in untranslated_in("t.html", source)] == left


def test_a_plain_text_email_is_all_prose() -> None:
    found = list(untranslated_in("mail.txt", "Hello,\n{{ url }}\n"))
    assert [f.text for f in found] == ["Hello,"]


@pytest.mark.django_db
def test_a_spanish_page_speaks_spanish(organisation: Organisation) -> None:
    letter = make_letter(organisation, slug="fix-the-lifts")
    page = Client().get(f"/es/letters/{letter.slug}/").text
    assert "Firma" in page
    assert "Add your name" not in page


@pytest.mark.django_db
def test_a_spanish_signer_gets_spanish_email(organisation: Organisation) -> None:
    letter = make_letter(organisation, slug="fix-the-lifts")
    data = {**SIGNER, "version": letter.text_hash(), "started": form_started()}
    response = Client().post(f"/es/letters/{letter.slug}/sign/", data, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 302
    run_tasks()
    (message,) = mail.outbox
    assert message.subject.startswith("Confirma tu firma")
    assert "/es/confirm/" in message.body


@pytest.mark.django_db
def test_a_spanish_error_is_in_spanish(organisation: Organisation) -> None:
    letter = make_letter(organisation, slug="fix-the-lifts")
    data = {**SIGNER, "email": "not an address", "started": form_started()}
    response = Client().post(f"/es/letters/{letter.slug}/sign/", data, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 400
    assert "correo" in response.text.lower()


@pytest.mark.django_db
def test_a_count_is_grouped_as_the_page_s_language_groups_numbers(
    organisation: Organisation,
) -> None:
    from django.utils import translation

    letter = make_letter(organisation, slug="fix-the-lifts")
    assert letter.shown_number(12400) == "12,400"
    with translation.override("es"):
        assert letter.shown_number(12400) == "12\xa0400"
