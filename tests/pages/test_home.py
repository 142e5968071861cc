"""The home page: what the site is, and each letter with its targets, count and goal."""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import Letter, Target
from undersigned.letters.publishing import letter_close
from undersigned.organisations.models import Organisation

BLOCK = re.compile(r"</?(?:p|li|ul|h\d|div|section|header|progress)\b[^>]*>")


def text(markup: str) -> str:
    """Markup as a reader sees it: its words, one space between them."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", BLOCK.sub(" ", markup))).split())


def cards(page: str) -> dict[str, str]:
    """Each letter's card on the home page, as a reader sees it, by the letter's title."""
    found = re.findall(r'<li class="card letter-card">(.*?)</li>', page, flags=re.S)
    return {text(re.search(r"<h3>(.*?)</h3>", card, flags=re.S)[1]): card for card in found}


def home() -> str:
    response = Client().get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_says_what_the_site_is(db: None) -> None:
    page = text(home())
    assert "Organisations publish letters here and ask people to sign them." in page
    assert "No letter is open for signatures yet." in page


def test_it_lists_an_open_letter_with_its_targets_count_and_progress(
    petition: Letter,
) -> None:
    Target.objects.create(letter=petition, name="The city council", position=1)
    for n in range(3):
        signed_and_confirmed(petition, f"signer{n}@example.org")

    card = cards(home())["Drop the camera contract"]

    assert f'href="/letters/{petition.slug}/"' in card
    assert "From Open Streets Alliance" in text(card)
    assert "To: Dana Whitfield, CEO, Northwind Systems; The city council" in text(card)
    assert "3 signatures" in text(card)
    assert 'max="1000" value="3"' in card
    assert 'aria-label="Progress to the goal of 1,000 signatures"' in card
    assert "Goal: 1,000 signatures" in text(card)


def test_it_shows_a_stepped_letters_count_in_its_steps(organisation: Organisation) -> None:
    stepped = make_letter(organisation, slug="stepped", title="Stepped", goal=20, count_step=5)
    for n in range(7):
        signed_and_confirmed(stepped, f"worker{n}@example.org")
    small = make_letter(organisation, slug="small", title="Small", count_step=5)
    for n in range(3):
        signed_and_confirmed(small, f"few{n}@example.org")

    found = cards(home())

    assert "5+ signatures" in text(found["Stepped"])
    assert 'max="20" value="5"' in found["Stepped"]  # the bar fills to the step too
    assert "7" not in text(found["Stepped"]).replace("Goal: 20", "")
    assert "fewer than 5 signatures" in text(found["Small"])
    assert "3" not in text(found["Small"])


def test_it_names_verified_signers_as_the_letter_page_does(workers_letter: Letter) -> None:
    signed_and_confirmed(workers_letter, "ana@northwind.example", display="anonymous")

    card = text(cards(home())["Drop the camera contract"])

    assert "1 signature · 1 verified employee" in card


def test_it_lists_closed_letters_apart_from_open_ones(organisation: Organisation) -> None:
    make_letter(organisation, slug="still-open", title="Still open")
    letter_close(letter=make_letter(organisation, slug="closed", title="Closed one"))

    page = home()
    open_part, past_part = page.split('id="past-heading"')

    assert "Still open" in open_part and "Closed one" not in open_part
    assert "Closed one" in past_part
    assert '<span class="badge status-closed">Closed</span>' in past_part


def test_it_leaves_out_drafts(organisation: Organisation) -> None:
    make_letter(organisation, slug="draft", title="A draft", publish=False)
    assert "A draft" not in home()


def test_it_may_be_cached(petition: Letter) -> None:
    assert Client().get("/")["Cache-Control"].startswith("public, max-age=")


@pytest.mark.parametrize("reveal_threshold", [None, 2])
def test_it_reads_any_number_of_letters_in_a_constant_number_of_queries(
    organisation: Organisation, reveal_threshold: int | None
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            home()
        return len(captured)

    def letter(n: int) -> Letter:
        made = make_letter(
            organisation,
            slug=f"letter-{reveal_threshold}-{n}",
            eligibility="academic" if reveal_threshold else "anyone",
            reveal_threshold=reveal_threshold,
            goal=100,
        )
        Target.objects.create(letter=made, name="A second target", position=1)
        signed_and_confirmed(made, f"ada{n}@stanford.edu")
        return made

    letter(0)
    one = queries()
    for n in range(1, 5):
        letter(n)
    assert queries() == one
