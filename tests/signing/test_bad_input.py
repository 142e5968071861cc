"""Invariant 7: bad input gets a clear error on the page and changes nothing."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.conftest import make_letter, sign
from tests.signing.conftest import confirm_path
from undersigned.letters.models import Letter
from undersigned.letters.publishing import letter_close
from undersigned.organisations.models import Organisation
from undersigned.signing.models import CountShard, Level, Signature
from undersigned.signing.presentation import signatory

PROFESSOR = {"affiliation": "University of Cambridge", "title": "Professor"}


def database_state() -> tuple[list[Any], list[Any], list[Any]]:
    return (
        list(Signature.objects.values()),
        list(DBTaskResult.objects.values_list("task_path", "args_kwargs")),
        list(CountShard.objects.values_list("letter", "shard", "signatures")),
    )


@pytest.fixture
def unchanged(db: None) -> Iterator[None]:
    """The test's bad request must leave signatures, queued tasks and counts as they were."""
    before = database_state()
    yield
    assert database_state() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "N" * 121}, "Ensure this value has at most 120 characters (it has 121)."),
        ({"name": "   "}, "This field is required."),
        ({"name": "", "display": "initials"}, "This field is required."),
        ({"comment": "c" * 1001}, "Ensure this value has at most 1000 characters (it has 1001)."),
        ({"country": "C" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
        ({"email": "suzie.example.org"}, "Enter a valid email address."),
        ({"email": "suzie@example"}, "Enter a valid email address."),
        ({"email": "x" * 250 + "@example.org"}, "Ensure this value has at most 254 characters"),
        ({"email": "suzie\u202e@example.org"}, "Enter a valid email address."),
        ({"name": "Suzie\x00Signer"}, "Null characters are not allowed."),
        ({"name": "Suzie\u202eSigner"}, "Remove the invisible control characters."),
        ({"name": "Suzie\x1bSigner"}, "Remove the invisible control characters."),
        ({"comment": "Drop it\u202e"}, "Remove the invisible control characters."),
        ({"comment": "Drop it\x00"}, "Null characters are not allowed."),
        ({"display": "everyone"}, "Select a valid choice. everyone is not one of the available"),
    ],
)
def test_it_explains_bad_fields_and_records_nothing(
    petition: Letter, unchanged: None, fields: dict[str, str], message: str
) -> None:
    response = sign(Client(), petition, **fields)

    assert response.status_code == 400
    assert message in response.text
    assert 'role="alert"' in response.text


def test_it_keeps_what_was_typed_when_it_explains_an_error(
    petition: Letter, unchanged: None
) -> None:
    response = sign(Client(), petition, name="Suzie\u202eSigner", comment="Drop the contract")
    assert "Drop the contract" in response.text
    assert 'value="suzie@example.org"' in response.text


def test_it_accepts_names_that_need_joiners(petition: Letter) -> None:
    """Persian and many Indic names are spelt with zero-width (non-)joiners."""
    for n, name in enumerate(["علی\u200cرضا", "ശ്\u200dരീ"]):  # noqa: RUF001
        assert sign(Client(), petition, name=name, email=f"s{n}@example.org").status_code == 302
    assert Signature.objects.count() == 2


def test_it_needs_no_name_from_an_anonymous_signer(petition: Letter) -> None:
    response = sign(Client(), petition, name="", display="anonymous")

    assert response.status_code == 302
    assert signatory(Signature.objects.get()).name == "Anonymous"


def test_it_answers_404_for_an_unknown_letter(db: None, unchanged: None) -> None:
    response = Client().post(
        "/letters/no-such-letter/sign/",
        {"name": "Suzie Signer", "email": "suzie@example.org", "display": "full"},
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 404


def test_it_answers_404_for_a_draft_letter(organisation: Organisation, unchanged: None) -> None:
    draft = make_letter(organisation, slug="draft-letter", publish=False)
    assert sign(Client(), draft).status_code == 404


def test_it_refuses_to_sign_a_closed_letter(petition: Letter) -> None:
    letter_close(letter=petition)
    before = database_state()

    response = sign(Client(), petition)

    assert response.status_code == 400
    assert "This letter is no longer open for signatures." in response.text
    assert database_state() == before


def test_it_refuses_a_display_the_letter_does_not_allow(
    workers_letter: Letter, unchanged: None
) -> None:
    response = sign(Client(), workers_letter, email="wren@northwind.example", display="full")
    assert response.status_code == 400
    assert "Select a valid choice. full is not one of the available choices." in response.text


@pytest.mark.parametrize(
    "email",
    [
        "wren@gmail.com",
        "wren@evilnorthwind.example",
        "wren@northwind.example.evil.example",
        "wren@northwind.example.com",
    ],
)
def test_it_refuses_an_address_outside_the_letters_domains(
    workers_letter: Letter, unchanged: None, email: str
) -> None:
    response = sign(Client(), workers_letter, email=email, display="initials")
    assert response.status_code == 400
    assert "This letter can only be signed with an address at northwind.example." in response.text


def test_it_refuses_a_non_academic_address_on_an_academic_letter(
    academic_letter: Letter, unchanged: None
) -> None:
    response = sign(Client(), academic_letter, email="prof@gmail.com", **PROFESSOR)
    assert response.status_code == 400
    assert "only be signed with a university or research address" in response.text


def test_it_accepts_an_academic_address_on_an_academic_letter(academic_letter: Letter) -> None:
    response = sign(Client(), academic_letter, email="prof@cam.ac.uk", **PROFESSOR)
    assert response.status_code == 302
    assert Signature.objects.get().affiliation == "University of Cambridge"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/letters/drop-the-contract/"},
    ],
)
def test_it_refuses_a_post_from_another_site(
    petition: Letter, unchanged: None, headers: dict[str, str]
) -> None:
    data = {"name": "Suzie Signer", "email": "suzie@example.org", "display": "full"}
    response = Client().post(f"/letters/{petition.slug}/sign/", data, headers=headers)
    assert response.status_code == 403
    assert "This form must be sent from our own page." in response.text


def test_it_refuses_signatures_beyond_the_hard_rate_limit(petition: Letter, settings: Any) -> None:
    settings.SIGNATURE_RATE_LIMIT = "1/d"
    settings.SIGNATURE_HARD_LIMIT = 2
    client = Client()
    assert sign(client, petition, email="signer0@example.org").status_code == 302
    # The second is asked for the challenge, which it does not solve.
    assert sign(client, petition, email="signer1@example.org").status_code == 429
    before = database_state()

    response = sign(Client(), petition, email="third@example.org")

    assert response.status_code == 429
    assert "Too many signatures from your network. Try again later." in response.text
    assert response["Retry-After"] == "3600"
    assert database_state() == before


def test_it_refuses_a_confirmation_posted_from_another_site(petition: Letter) -> None:
    sign(Client(), petition)
    signature = Signature.objects.get()

    response = Client().post(confirm_path(signature.pk), headers={"Origin": "https://evil.example"})

    assert response.status_code == 403
    assert "This form must be sent from our own page." in response.text
    signature.refresh_from_db()
    assert signature.level == Level.PENDING
    assert not CountShard.objects.filter(signatures__gt=0).exists()


def test_it_explains_a_mangled_confirmation_link(petition: Letter) -> None:
    sign(Client(), petition)
    before = database_state()
    path = confirm_path(Signature.objects.get().pk)

    response = Client().post(path[:-4] + "/")

    assert response.status_code == 404
    assert "This confirmation link is not valid or has expired." in response.text
    assert database_state() == before
