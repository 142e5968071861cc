"""Verification levels: what confirming an address proves, and how the public sees it."""

import pytest
from django.test import Client

from tests.conftest import make_letter, sign, sign_and_confirm
from tests.signing.conftest import confirm_path
from undersigned.letters.models import FieldRule, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import LetterCount, letter_count
from undersigned.signing.models import Level, Signature
from undersigned.signing.presentation import signatory

NYU = ("New York University", "New York University, Abu Dhabi")


@pytest.fixture
def open_letter(organisation: Organisation) -> Letter:
    """Anyone may sign, and may name an institution and a title."""
    return make_letter(
        organisation,
        slug="open-letter",
        ask_affiliation=FieldRule.OPTIONAL,
        ask_title=FieldRule.OPTIONAL,
    )


def public_lines(letter: Letter) -> str:
    return Client().get(f"/letters/{letter.slug}/signatures/").text


def test_it_verifies_an_academic_address_on_a_letter_anyone_may_sign(open_letter: Letter) -> None:
    signature, page = sign_and_confirm(
        open_letter, "ada@cs.stanford.edu", name="Ada Lovelace", title="Professor"
    )

    assert "your address proved it: <strong>Verified · Stanford University</strong>" in page.text
    assert (signature.level, signature.institution) == (Level.VERIFIED, "Stanford University")
    assert signatory(signature).verification == "Verified · Stanford University"
    assert letter_count(open_letter.pk) == LetterCount(total=1, verified=1)
    assert "Ada Lovelace · Verified · Stanford University · Professor" in public_lines(open_letter)


def test_it_keeps_a_personal_address_confirmed_but_not_verified(open_letter: Letter) -> None:
    signature, _page = sign_and_confirm(open_letter, "suzie.signer@gmail.com")

    assert (signature.level, signature.institution) == (Level.CONFIRMED, "")
    assert signatory(signature).verification == ""
    assert letter_count(open_letter.pk) == LetterCount(total=1, verified=0)
    assert '<span class="line">Suzie Signer</span>' in public_lines(open_letter)


def test_it_shows_an_unproven_institution_as_claimed_never_as_verified(
    open_letter: Letter,
) -> None:
    signature, _page = sign_and_confirm(
        open_letter, "bob@gmail.com", name="Bob Claimer", affiliation="Harvard University"
    )

    assert signature.level == Level.CONFIRMED
    assert (signature.affiliation, signature.institution) == ("Harvard University", "")
    assert signatory(signature).claimed_affiliation == "Harvard University"
    lines = public_lines(open_letter)
    assert "Bob Claimer · Harvard University (claimed)" in lines
    assert "Verified · Harvard University" not in lines


def test_it_verifies_the_address_not_the_claim(open_letter: Letter) -> None:
    signature, _page = sign_and_confirm(
        open_letter, "carol@stanford.edu", name="Carol Both", affiliation="Harvard University"
    )

    assert (signature.level, signature.institution) == (Level.VERIFIED, "Stanford University")
    lines = public_lines(open_letter)
    assert "Carol Both · Verified · Stanford University · Harvard University (claimed)" in lines
    assert "Verified · Harvard University" not in lines


def test_it_shows_no_claim_when_the_claim_is_what_was_verified(open_letter: Letter) -> None:
    signature, _page = sign_and_confirm(
        open_letter,
        "dan@mit.edu",
        name="Dan Same",
        affiliation="massachusetts institute of technology",
    )

    assert signature.institution == "Massachusetts Institute of Technology"
    assert signatory(signature).claimed_affiliation == ""
    assert "Dan Same · Verified · Massachusetts Institute of Technology</span>" in public_lines(
        open_letter
    )


def test_it_offers_each_institution_a_domain_belongs_to(open_letter: Letter) -> None:
    sign(Client(), open_letter, email="eve@nyu.edu")

    page = Client().get(confirm_path(Signature.objects.get().pk))

    assert "Your address belongs to several institutions. Which is yours?" in page.text
    for name in NYU:
        assert (
            f'<input type="radio" name="institution" value="{name}" required> {name}' in page.text
        )


@pytest.mark.parametrize("picked", [None, "", "Harvard University", "New York"])
def test_it_asks_again_when_no_offered_institution_was_picked(
    open_letter: Letter, picked: str | None
) -> None:
    sign(Client(), open_letter, email="eve@nyu.edu")
    signature = Signature.objects.get()
    data = {} if picked is None else {"institution": picked}

    page = Client().post(confirm_path(signature.pk), data)

    assert page.status_code == 400
    assert "Your address belongs to several institutions. Choose yours." in page.text
    assert 'role="alert"' in page.text
    signature.refresh_from_db()
    assert (signature.level, signature.institution, signature.confirmed_at) == (
        Level.PENDING,
        "",
        None,
    )
    assert signature.email == "eve@nyu.edu"
    assert letter_count(open_letter.pk) == LetterCount(total=0, verified=0)


@pytest.mark.parametrize("picked", NYU)
def test_it_stores_the_institution_picked(open_letter: Letter, picked: str) -> None:
    sign(Client(), open_letter, name="Eve Picker", email="eve@nyu.edu")
    signature = Signature.objects.get()

    page = Client().post(confirm_path(signature.pk), {"institution": picked})

    assert page.status_code == 200
    assert f"Verified · {picked}" in page.text
    signature.refresh_from_db()
    assert (signature.level, signature.institution) == (Level.VERIFIED, picked)
    assert letter_count(open_letter.pk) == LetterCount(total=1, verified=1)
    assert f"Eve Picker · Verified · {picked}" in public_lines(open_letter)


def test_it_verifies_an_employee_on_a_letter_for_listed_domains(workers_letter: Letter) -> None:
    signature, page = sign_and_confirm(
        workers_letter,
        "wren@northwind.example",
        display="anonymous",
        name="",
        department="Engineering",
        location="Seattle",
        consent_updates=None,
    )

    assert "your address proved it: <strong>Verified employee</strong>" in page.text
    assert (signature.level, signature.institution) == (Level.VERIFIED, "")
    assert signatory(signature).verification == "Verified employee"
    assert letter_count(workers_letter.pk) == LetterCount(total=1, verified=1)
    assert "Anonymous · Verified employee · Engineering · Seattle" in public_lines(workers_letter)


def test_it_verifies_a_university_address_on_an_academic_letter(academic_letter: Letter) -> None:
    signature, _page = sign_and_confirm(
        academic_letter,
        "grace@cam.ac.uk",
        name="Grace Hopper",
        affiliation="University of Cambridge",
        title="Reader",
    )

    assert (signature.level, signature.institution) == (Level.VERIFIED, "University of Cambridge")
    assert signatory(signature).claimed_affiliation == ""
    assert "Grace Hopper · Verified · University of Cambridge · Reader" in public_lines(
        academic_letter
    )
