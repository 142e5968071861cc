"""A visitor who arrives from a link tagged `?source=newsletter` signs with that tag kept,
cleaned to lower case letters, digits, "-" and "_", so organisers can count by referrer."""

import re

import pytest
from django.test import Client

from tests.conftest import sign
from undersigned.letters.models import Letter
from undersigned.signing.forms import source_tag
from undersigned.signing.models import Signature


def hidden_source(letter: Letter, query: str = "") -> str:
    response = Client().get(f"/letters/{letter.slug}/{query}")
    assert response.status_code == 200
    match = re.search(r'<input type="hidden" name="source"[^>]*>', response.text)
    assert match, "the sign form carries no source field"
    value = re.search(r'value="([^"]*)"', match.group())
    return value.group(1) if value else ""


def test_the_letter_page_carries_the_tag_of_its_address_into_the_form(petition: Letter) -> None:
    assert hidden_source(petition, "?source=newsletter") == "newsletter"
    assert hidden_source(petition) == ""


def test_a_tag_is_cleaned_before_the_page_shows_it(petition: Letter) -> None:
    assert hidden_source(petition, '?source=News"Letter<b>_2025') == "newsletterb_2025"


def test_a_signature_keeps_the_tag_it_was_signed_with(petition: Letter) -> None:
    assert sign(Client(), petition, source="newsletter").status_code == 302

    assert Signature.objects.get(letter=petition).source == "newsletter"


def test_a_tag_sent_with_the_form_is_cleaned_too(petition: Letter) -> None:
    assert sign(Client(), petition, source="Spring Mail-Out!" + "x" * 60).status_code == 302

    stored = Signature.objects.get(letter=petition).source
    assert stored == ("springmail-out" + "x" * 60)[:40]
    assert len(stored) == 40


def test_signing_without_a_tag_keeps_none(petition: Letter) -> None:
    assert sign(Client(), petition).status_code == 302

    assert Signature.objects.get(letter=petition).source == ""


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("share", "share"),
        ("Newsletter", "newsletter"),
        ("email_2025-03", "email_2025-03"),
        ("café", "caf"),
        ("a/b?c=d&e", "abcde"),
        ("", ""),
    ],
)
def test_what_a_tag_keeps(typed: str, kept: str) -> None:
    assert source_tag(typed) == kept
