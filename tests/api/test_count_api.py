"""The count endpoint's breakdown is what a page may show: nothing broken down before the
reveal threshold, nor again once withdrawals take the letter below it, and no number for
a group so small it could point at a person."""

from typing import Any

import pytest

from tests.api.conftest import get
from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import Eligibility, FieldRule, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.signatures import signature_withdraw

SMALL = {"signatures": None, "shown": "fewer than 5"}


@pytest.fixture(autouse=True)
def _fresh_breakdowns(settings: Any) -> None:
    settings.AGGREGATE_CACHE_SECONDS = 0


def levels(data: dict[str, Any]) -> dict[str, tuple[int | None, str]]:
    """By verification level; paper, where a letter has none, as none."""
    found = {group["group"]: (group["signatures"], group["shown"]) for group in data["levels"]}
    return {"paper": (0, "0"), **found}


def count_of(letter: Letter) -> dict[str, Any]:
    response = get(f"/api/v1/petitions/{letter.slug}/count/")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture
def guarded(organisation: Organisation) -> Letter:
    """Names and numbers of a workers' letter show once 5 verified employees signed."""
    return make_letter(
        organisation,
        slug="guarded",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        reveal_threshold=5,
        ask_country=FieldRule.OPTIONAL,
    )


def employees(letter: Letter, count: int, start: int = 0, country: str = "NO") -> list[int]:
    return [
        signed_and_confirmed(
            letter, f"worker{n}@northwind.example", f"Worker Number{n}", country=country
        ).pk
        for n in range(start, start + count)
    ]


def test_it_breaks_nothing_down_before_the_reveal_threshold(guarded: Letter) -> None:
    employees(guarded, 4)

    data = count_of(guarded)

    assert data["names_revealed"] is False
    assert (data["institutions"], data["levels"], data["countries"]) == ([], [], [])
    # The total is what the letter page says too: "4 signatures · 4 verified employees".
    assert (data["total_signatures"], data["verified_signatures"], data["display"]) == (4, 4, "4")


def test_it_breaks_the_count_down_from_the_reveal_threshold(guarded: Letter) -> None:
    employees(guarded, 5)

    data = count_of(guarded)

    assert data["names_revealed"] is True
    assert levels(data) == {"confirmed": (0, "0"), "verified": (5, "5"), "paper": (0, "0")}
    assert data["countries"] == [{"group": "NO", "signatures": 5, "shown": "5"}]


def test_it_hides_the_breakdown_again_below_the_threshold(guarded: Letter) -> None:
    first, *_others = employees(guarded, 5)
    assert count_of(guarded)["countries"]

    signature_withdraw(signature_id=first)

    data = count_of(guarded)
    assert data["names_revealed"] is False
    assert (data["institutions"], data["levels"], data["countries"]) == ([], [], [])


def test_it_gives_no_number_for_a_small_group(petition: Letter) -> None:
    for n in range(6):
        signed_and_confirmed(petition, f"nl{n}@example.org", f"Dutch Signer{n}", country="NL")
    for n in range(2):
        signed_and_confirmed(petition, f"de{n}@example.org", f"German Signer{n}", country="DE")
    signed_and_confirmed(petition, "narnia@example.org", "Lucy Pevensie", country="Narnia")
    signed_and_confirmed(petition, "none@example.org", "Nobody Anywhere")

    data = count_of(petition)

    assert data["countries"] == [
        {"group": "NL", "signatures": 6, "shown": "6"},
        {"group": "DE", **SMALL},
        {"group": "", **SMALL},
        {"group": "other", **SMALL},
    ]
    assert levels(data) == {"confirmed": (10, "10"), "verified": (0, "0"), "paper": (0, "0")}
    assert "Narnia" not in str(data)


def test_it_steps_every_group_of_a_letter_with_count_steps(guarded: Letter) -> None:
    guarded.count_step = 10
    guarded.save()
    employees(guarded, 13, country="NO")
    employees(guarded, 7, start=13, country="SE")

    data = count_of(guarded)

    assert (data["total_signatures"], data["display"]) == (20, "20+")
    # A group smaller than the step is "fewer than 10", never its number.
    assert data["countries"] == [
        {"group": "NO", "signatures": 10, "shown": "10+"},
        {"group": "SE", "signatures": None, "shown": "fewer than 10"},
    ]
    assert levels(data)["verified"] == (20, "20+")
    assert levels(data)["confirmed"] == (None, "fewer than 10")
