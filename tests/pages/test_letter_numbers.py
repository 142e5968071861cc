"""A letter's numbers on its signatures page and on its organisers' numbers page: a chart
over time, a world map and postal regions, each with its table, from aggregates only;
a small group is "fewer than 5" everywhere, nothing shows before a reveal threshold, and
a stepped letter's numbers are stepped."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, FieldRule, Letter, Status
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.pages import views
from undersigned.signing.models import Signature

MORNING = datetime(2026, 11, 10, 9, 15, tzinfo=UTC)
# What a page says to people: its text, and the attributes read aloud or shown on hover.
READ = {"aria-label", "title", "alt", "value", "content"}


@pytest.fixture(autouse=True)
def _read_fresh(settings: Any) -> None:
    settings.AGGREGATE_CACHE_SECONDS = 0
    settings.AGGREGATE_MIN_GROUP = 5


class Said(HTMLParser):
    """Every piece of text a page shows or reads out, and every data attribute's value."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name in READ or name.startswith("data-")):
                self.pieces.append(value)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.pieces.append(data.strip())


def said(body: str) -> list[str]:
    parser = Said()
    parser.feed(body)
    return parser.pieces


def mentions(pieces: list[str], number: int) -> list[str]:
    """The pieces in which `number` stands as a number of its own (not in 14:00 or 2026)."""
    alone = re.compile(rf"(?<![\w.,:]){number}(?![\w.,:])")
    return [piece for piece in pieces if alone.search(piece)]


def signed(letter: Letter, count: int, *, domain: str = "example.org", **details: str) -> None:
    start = Signature.objects.count()
    ids = [
        signed_and_confirmed(
            letter, f"signer{start + index}@{domain}", name="Ada Lovelace", **details
        ).pk
        for index in range(count)
    ]
    Signature.objects.filter(pk__in=ids).update(confirmed_at=MORNING)


def closed(letter: Letter) -> Letter:
    """Closed, so its chart ends at its last signature rather than now."""
    Letter.objects.filter(pk=letter.pk).update(status=Status.CLOSED)
    return letter


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(
        organisation,
        slug="where-signers-are",
        ask_country=FieldRule.OPTIONAL,
        ask_postal_code=FieldRule.OPTIONAL,
    )


def signatures_page(letter: Letter) -> str:
    response = Client().get(f"/letters/{letter.slug}/signatures/")
    assert response.status_code == 200
    return response.content.decode()


def test_anyone_sees_the_chart_the_map_and_the_regions_each_with_its_table(
    letter: Letter,
) -> None:
    signed(letter, 11, country="France", postal_code="75011")
    signed(letter, 6, country="Deutschland", postal_code="10115")
    body = signatures_page(closed(letter))

    assert body.count("<svg") == 2
    assert 'class="chart"' in body and 'class="world-map"' in body
    assert "<table>" in body and "Signatures per hour" in body
    pieces = said(body)
    assert "France: 11" in pieces and "Germany: 6" in pieces
    regions = pieces[pieces.index("Postal code starts with") :]
    assert regions[2:6] == ["75", "11", "10", "6"]
    assert "10 Nov 09:00: 17" in pieces  # the bar's title


def test_a_group_of_four_is_fewer_than_five_and_its_number_is_nowhere(letter: Letter) -> None:
    signed(letter, 11, country="France", postal_code="75011")
    signed(letter, 4, country="Belgium", postal_code="1000")
    body = signatures_page(closed(letter))

    pieces = said(body)
    assert "Belgium: fewer than 5" in pieces  # the map's title for it
    assert pieces.count("fewer than 5") >= 2  # its rows by country and by region
    assert mentions(pieces, 4) == []
    assert not re.search(r"data-[\w-]+=\"[^\"]*\b4\b", body)


def test_nothing_shows_before_the_reveal_threshold(organisation: Organisation) -> None:
    letter = make_letter(
        organisation,
        slug="workers",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        allow_full_name=False,
        ask_country=FieldRule.OPTIONAL,
        reveal_threshold=10,
    )
    signed(letter, 9, domain="northwind.example", country="France", display="initials")

    body = signatures_page(letter)

    assert "<svg" not in body and "France" not in body and "numbers.css" not in body


def test_a_stepped_letters_numbers_are_stepped_in_the_chart_and_the_tables(
    organisation: Organisation,
) -> None:
    letter = make_letter(
        organisation, slug="stepped", count_step=10, ask_country=FieldRule.OPTIONAL
    )
    signed(letter, 23, country="France")
    signed(letter, 7, country="Spain")

    body = signatures_page(closed(letter))
    pieces = said(body)

    assert "France: 20+" in pieces and "Spain: fewer than 10" in pieces
    assert "10 Nov 09:00: 30+" in pieces
    for exact in (23, 7):
        assert mentions(pieces, exact) == []


def test_the_numbers_show_on_the_lists_first_page_only(
    letter: Letter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "SIGNATURES_PER_PAGE", 2)
    signed(letter, 6, country="France")
    closed(letter)
    path = f"/letters/{letter.slug}/signatures/"

    assert "<svg" in Client().get(path).text
    assert "<svg" not in Client().get(f"{path}?page=2").text
    assert "<svg" not in Client().get(f"{path}?institution=Oxford").text


def member(organisation: Organisation, email: str, role: Role) -> Client:
    user = User.objects.create_user(email, "a long member password")
    Membership.objects.create(organisation=organisation, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_every_member_viewers_included_sees_the_numbers_page(
    letter: Letter, organisation: Organisation
) -> None:
    signed(letter, 4, country="Belgium")
    Signature.objects.filter(letter=letter).update(source="newsletter")
    viewer = member(organisation, "vic@campaign.example", Role.VIEWER)

    response = viewer.get(f"/dashboard/letters/{letter.slug}/numbers/")

    assert response.status_code == 200
    pieces = said(response.content.decode())
    # On a letter anyone may sign, organisers see every group's number, and no person.
    assert "Belgium: 4" in pieces and "newsletter" in pieces
    assert "Ada Lovelace" not in response.text and "@example.org" not in response.text


def test_outsiders_and_visitors_never_see_the_numbers_page(letter: Letter) -> None:
    outsider = User.objects.create_user("mallory@elsewhere.example")
    organisation_create(name="Elsewhere", owner=outsider)
    client = Client()
    client.force_login(outsider)
    path = f"/dashboard/letters/{letter.slug}/numbers/"

    assert client.get(path).status_code == 404
    assert Client().get(path).status_code == 302


def test_organisers_of_a_workers_letter_see_what_the_public_sees(
    organisation: Organisation, organiser: User
) -> None:
    letter = make_letter(
        organisation,
        slug="workers",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        allow_full_name=False,
        ask_country=FieldRule.OPTIONAL,
    )
    signed(letter, 3, domain="northwind.example", country="Belgium", display="initials")
    client = Client()
    client.force_login(organiser)

    pieces = said(client.get(f"/dashboard/letters/{letter.slug}/numbers/").content.decode())

    assert "Belgium: fewer than 5" in pieces
    # The count is the public's, exact; no group of it says 3.
    assert mentions(pieces, 3) == ["3 signatures · 3 verified employees"]
