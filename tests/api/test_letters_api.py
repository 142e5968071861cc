"""The public read API's letters, as OSDI petitions: public letters only, with their counts
and breakdowns as the public sees them, and nothing personal (invariant 4)."""

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.api.conftest import get, keys_in, local
from tests.conftest import make_letter, sign, sign_and_confirm, signed_and_confirmed
from undersigned.letters.models import Letter, Status, Takedown
from undersigned.letters.publishing import letter_close, letter_take_down
from undersigned.organisations.models import Organisation

PUBLIC_PATHS = ("", "count/", "signatures/", "updates/", "deliveries/", "answers/")


def petitions() -> dict[str, dict[str, Any]]:
    response = get("/api/v1/petitions/")
    assert response.status_code == 200
    return {entry["slug"]: entry for entry in response.json()["_embedded"]["osdi:petitions"]}


def test_it_lists_public_letters_with_their_counts(
    petition: Letter, organisation: Organisation
) -> None:
    closed = make_letter(organisation, slug="closed-letter")
    letter_close(letter=closed)
    make_letter(organisation, slug="draft-letter", publish=False)
    make_letter(organisation, slug="in-review", publish=False, status=Status.IN_REVIEW)
    taken_down = make_letter(organisation, slug="taken-down")
    letter_take_down(letter=taken_down, reason=Takedown.SPAM)
    sign_and_confirm(petition, email="suzie@example.org")
    sign_and_confirm(petition, email="sam@example.org")
    sign(Client(), petition, email="pending@example.org")

    response = Client().get("/api/v1/petitions/")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["total_records"] == 2
    listed = data["_embedded"]["osdi:petitions"]
    counts = {letter["slug"]: letter["total_signatures"] for letter in listed}
    assert counts == {"drop-the-contract": 2, "closed-letter": 0}
    assert {letter["slug"]: letter["status"] for letter in listed} == {
        "drop-the-contract": "open",
        "closed-letter": "closed",
    }


def test_it_shows_a_letter_as_an_osdi_petition(petition: Letter) -> None:
    data = get(f"/api/v1/petitions/{petition.slug}/").json()

    assert data["identifiers"] == ["undersigned:drop-the-contract"]
    assert data["origin_system"] == "undersigned"
    assert data["title"] == "Drop the camera contract"
    assert data["petition_text"] == "We ask **Northwind** to drop the contract."
    assert "<strong>Northwind</strong>" in data["description"]
    assert data["demands"] == ["Withdraw from the contract.", "Publish every such contract."]
    assert data["target"] == [
        {"name": "Dana Whitfield", "title": "CEO", "organization": "Northwind Systems"}
    ]
    assert data["browser_url"] == f"{settings.BASE_URL}/letters/drop-the-contract/"
    assert data["action_date"] is not None
    assert data["organisation"] == {
        "name": "Open Streets Alliance",
        "slug": "open-streets-alliance",
    }
    assert (data["goal"], data["total_signatures"], data["status"]) == (1000, 0, "open")


def test_its_links_lead_to_the_letters_resources(petition: Letter) -> None:
    links = get(f"/api/v1/petitions/{petition.slug}/").json()["_links"]

    assert set(links) == {
        "self",
        "osdi:signatures",
        "undersigned:count",
        "undersigned:updates",
        "undersigned:deliveries",
        "undersigned:answers",
    }
    for name, link in links.items():
        assert get(local(link["href"])).status_code == 200, name


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW])
def test_it_hides_a_letter_not_yet_public(organisation: Organisation, status: Status) -> None:
    make_letter(organisation, slug="not-yet", publish=False, status=status, title="Secret plan")

    for path in PUBLIC_PATHS:
        response = get(f"/api/v1/petitions/not-yet/{path}")
        assert response.status_code == 404, path
        assert "detail" in response.json()
        assert "Secret plan" not in response.text


def test_it_answers_a_taken_down_letter_with_its_notice_only(petition: Letter) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    letter_take_down(letter=petition, reason=Takedown.PERSONAL_DATA)

    for path in PUBLIC_PATHS:
        response = get(f"/api/v1/petitions/{petition.slug}/{path}")
        assert response.status_code == 410, path
        data = response.json()
        assert (data["taken_down"], data["reason"]) == (True, "Personal data"), path
        assert "Ada" not in response.text and petition.title not in response.text, path
        assert response["Cache-Control"] == "no-cache", path
    assert petition.slug not in petitions()


def test_it_carries_no_address_of_a_signer_an_organiser_or_a_target(
    petition: Letter, organisation: Organisation
) -> None:
    organisation.contact_email = "press.q9@campaign.example"
    organisation.save()
    petition.targets.update(delivery_address="dana.whitfield@northwind.example")
    sign_and_confirm(petition, name="Suzie Signer", email="suzie.q9@example.org", country="NL")
    sign_and_confirm(
        petition, name="Hidden Hazel", email="hazel.q9@example.org", display="anonymous"
    )

    paths = [
        "/api/v1/petitions/",
        *(f"/api/v1/petitions/{petition.slug}/{p}" for p in PUBLIC_PATHS),
    ]
    for path in paths:
        body = get(path).content.decode()
        assert "@" not in body, path
        assert "q9" not in body and "dana.whitfield" not in body, path
        assert "campaign.example" not in body and "olu" not in body, path
        assert "Hazel" not in body, path
        assert not {key for key in keys_in(json.loads(body)) if "email" in key or "address" in key}


def test_it_says_who_may_sign_each_letter(
    petition: Letter, academic_letter: Letter, workers_letter: Letter
) -> None:
    workers_letter.eligible_domains = "northwind.example\nnorthwind-labs.example"
    workers_letter.include_subdomains = False
    workers_letter.save()

    letters = {slug: petition["eligibility"] for slug, petition in petitions().items()}

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
    "count_step",
    "reveal_threshold",
    "names_revealed",
)


def professors(letter: Letter, stanford: int, mit: int = 0) -> None:
    for n in range(stanford):
        signed_and_confirmed(letter, f"prof{n}@stanford.edu", f"Professor Number{n}")
    for n in range(mit):
        signed_and_confirmed(letter, f"prof{n}@mit.edu", f"Lecturer Number{n}")


def test_it_gives_the_letters_weight(petition: Letter) -> None:
    professors(petition, stanford=5, mit=1)
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")

    data = get(f"/api/v1/petitions/{petition.slug}/").json()
    count = get(f"/api/v1/petitions/{petition.slug}/count/").json()

    assert {key: data[key] for key in WEIGHT_KEYS} == {
        "total_signatures": 7,
        "verified_signatures": 6,
        "count_step": None,
        "reveal_threshold": None,
        "names_revealed": True,
    }
    assert count == {
        "total_signatures": 7,
        "verified_signatures": 6,
        "display": "7",
        "goal": 1000,
        "count_step": None,
        "names_revealed": True,
        # One at MIT is a group too small to give its number of.
        "institutions": [
            {"group": "Stanford University", "signatures": 5, "shown": "5"},
            {"group": "Massachusetts Institute of Technology", "signatures": None,
             "shown": "fewer than 5"},
        ],
        "levels": count["levels"],
        "countries": [{"group": "", "signatures": 7, "shown": "7"}],
    }  # fmt: skip
    levels = {group["group"]: group for group in count["levels"]}
    assert levels["confirmed"] == {
        "group": "confirmed",
        "signatures": None,
        "shown": "fewer than 5",
    }
    assert levels["verified"] == {"group": "verified", "signatures": 6, "shown": "6"}


def test_it_rounds_every_number_down_to_the_letters_step(academic_letter: Letter) -> None:
    academic_letter.count_step = 5
    academic_letter.save()
    professors(academic_letter, stanford=7)

    data = get(f"/api/v1/petitions/{academic_letter.slug}/").json()
    count = get(f"/api/v1/petitions/{academic_letter.slug}/count/").json()
    listed = petitions()[academic_letter.slug]
    signatures = get(f"/api/v1/petitions/{academic_letter.slug}/signatures/").json()

    assert {key: data[key] for key in WEIGHT_KEYS} == {
        "total_signatures": 5,
        "verified_signatures": 5,
        "count_step": 5,
        "reveal_threshold": None,
        "names_revealed": True,
    }
    assert (listed["total_signatures"], listed["verified_signatures"]) == (5, 5)
    assert (count["total_signatures"], count["verified_signatures"], count["display"]) == (
        5,
        5,
        "5+",
    )
    assert count["institutions"] == [
        {"group": "Stanford University", "signatures": 5, "shown": "5+"}
    ]
    assert signatures["total_records"] == 5
    # The list holds its 7 entries, as the signatures page does; no number says 7.
    assert 7 not in numbers_in([data, count, listed, signatures["total_records"]])


def numbers_in(value: Any) -> set[int]:
    if isinstance(value, dict):
        return numbers_in(list(value.values()))
    if isinstance(value, list):
        return {number for item in value for number in numbers_in(item)}
    return {value} if isinstance(value, int) and not isinstance(value, bool) else set()
