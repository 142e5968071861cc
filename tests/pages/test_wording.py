"""Numbers read as a person would say them: plurals by the language's rules, and the
number of earlier versions as it is."""

from django.test import Client

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import Eligibility, Letter
from undersigned.letters.publishing import letter_text_changed
from undersigned.organisations.models import Organisation


def page(letter: Letter) -> str:
    return Client().get(f"/letters/{letter.slug}/").text


def test_it_says_the_signature_not_all_1_signature(petition: Letter) -> None:
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")

    text = page(petition)

    assert "All 1 signature" not in text
    assert ">The signature</a>" in text
    assert '1</strong> <span class="count-label">signature</span>' in text

    signed_and_confirmed(petition, "sam@example.org", "Sam Signer")
    assert ">All 2 signatures</a>" in page(petition)


def test_it_takes_the_plural_of_a_stepped_count_from_its_step(
    organisation: Organisation,
) -> None:
    letter = make_letter(
        organisation,
        slug="stepped",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        count_step=5,
    )
    signed_and_confirmed(letter, "one@northwind.example", display="anonymous")

    text = page(letter)
    assert 'fewer than 5</strong> <span class="count-label">signatures</span>' in text
    assert " · fewer than 5 verified employees</p>" in text


def test_it_counts_the_earlier_versions_only(petition: Letter) -> None:
    petition.body += "\n\nA second demand."
    petition.save()
    letter_text_changed(letter=petition)

    assert "Earlier versions (1)" in page(petition)

    petition.body += "\n\nA third."
    petition.save()
    letter_text_changed(letter=petition)
    assert "Earlier versions (2)" in page(petition)
