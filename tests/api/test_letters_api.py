"""The public JSON API: public letters and their counts, nothing personal (invariant 4)."""

import json
from typing import Any

from django.test import Client

from tests.conftest import make_letter, sign, sign_and_confirm
from undersigned.letters.models import Letter
from undersigned.letters.publishing import letter_close
from undersigned.organisations.models import Organisation


def keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_in(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_in(item)}
    return set()


def test_it_lists_public_letters_with_their_counts(
    petition: Letter, organisation: Organisation
) -> None:
    closed = make_letter(organisation, slug="closed-letter")
    letter_close(letter=closed)
    make_letter(organisation, slug="draft-letter", publish=False)
    sign_and_confirm(petition, email="suzie@example.org")
    sign_and_confirm(petition, email="sam@example.org")
    sign(Client(), petition, email="pending@example.org")

    response = Client().get("/api/v1/letters/")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["total_records"] == 2
    counts = {letter["slug"]: letter["total_signatures"] for letter in data["letters"]}
    assert counts == {"drop-the-contract": 2, "closed-letter": 0}


def test_it_hides_a_draft_letter(organisation: Organisation) -> None:
    make_letter(organisation, slug="draft-letter", publish=False)
    assert Client().get("/api/v1/letters/draft-letter/").status_code == 404


def test_it_carries_no_address_of_a_signer_an_organiser_or_a_target(petition: Letter) -> None:
    petition.targets.update(delivery_address="dana.whitfield@northwind.example")
    sign_and_confirm(petition, name="Suzie Signer", email="suzie.q9@example.org")
    sign_and_confirm(
        petition, name="Hidden Hazel", email="hazel.q9@example.org", display="anonymous"
    )

    for path in ("/api/v1/letters/", f"/api/v1/letters/{petition.slug}/"):
        body = Client().get(path).content.decode()
        assert "@" not in body, path
        assert "q9" not in body and "dana.whitfield" not in body, path
        assert "Hazel" not in body, path
        assert not {key for key in keys_in(json.loads(body)) if "email" in key or "address" in key}


def test_it_says_who_may_sign_each_letter(
    petition: Letter, academic_letter: Letter, workers_letter: Letter
) -> None:
    workers_letter.eligible_domains = "northwind.example\nnorthwind-labs.example"
    workers_letter.include_subdomains = False
    workers_letter.save()

    letters = {
        letter["slug"]: letter["eligibility"]
        for letter in Client().get("/api/v1/letters/").json()["letters"]
    }

    assert letters == {
        petition.slug: {"kind": "anyone", "domains": [], "include_subdomains": True},
        academic_letter.slug: {"kind": "academic", "domains": [], "include_subdomains": True},
        workers_letter.slug: {
            "kind": "domains",
            "domains": ["northwind.example", "northwind-labs.example"],
            "include_subdomains": False,
        },
    }


WEIGHT_KEYS = (
    "total_signatures",
    "verified_signatures",
    "institutions",
    "count_step",
    "reveal_threshold",
    "names_revealed",
)


def test_it_gives_the_letters_weight(academic_letter: Letter) -> None:
    sign_and_confirm(
        academic_letter,
        name="Ada Lovelace",
        email="ada@stanford.edu",
        affiliation="Stanford",
        title="Professor",
        consent_updates=None,
    )
    sign_and_confirm(
        academic_letter,
        name="Alan Turing",
        email="alan@cs.stanford.edu",
        affiliation="Stanford",
        title="Lecturer",
        consent_updates=None,
    )
    sign_and_confirm(
        academic_letter,
        name="Emmy Noether",
        email="emmy@mit.edu",
        affiliation="MIT",
        title="Professor",
        consent_updates=None,
    )

    data = Client().get(f"/api/v1/letters/{academic_letter.slug}/").json()

    assert {key: data[key] for key in WEIGHT_KEYS} == {
        "total_signatures": 3,
        "verified_signatures": 3,
        "institutions": [
            {"name": "Stanford University", "signatures": 2},
            {"name": "Massachusetts Institute of Technology", "signatures": 1},
        ],
        "count_step": None,
        "reveal_threshold": None,
        "names_revealed": True,
    }


def test_it_rounds_every_number_down_to_the_letters_step(academic_letter: Letter) -> None:
    academic_letter.count_step = 2
    academic_letter.save()
    for name in ("ada", "alan", "grace"):
        sign_and_confirm(
            academic_letter,
            name=name.title(),
            email=f"{name}@stanford.edu",
            affiliation="Stanford",
            title="Professor",
            consent_updates=None,
        )

    data = Client().get(f"/api/v1/letters/{academic_letter.slug}/").json()

    assert {key: data[key] for key in WEIGHT_KEYS} == {
        "total_signatures": 2,
        "verified_signatures": 2,
        "institutions": [{"name": "Stanford University", "signatures": 2}],
        "count_step": 2,
        "reveal_threshold": None,
        "names_revealed": True,
    }
