"""The signing policy in the letter editor: subdomains, team and place, reveal threshold, steps."""

from typing import Any

import pytest
from django.test import Client

from tests.conftest import make_letter
from tests.letters.editor_page import form_values
from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, FieldRule, Letter
from undersigned.organisations.models import Organisation


@pytest.fixture
def olu(organiser: User, organisation: Organisation) -> Client:
    """Olu, signed in, owner of the Open Streets Alliance."""
    client = Client()
    client.force_login(organiser)
    return client


@pytest.fixture
def draft(organisation: Organisation) -> Letter:
    return make_letter(organisation, publish=False)


def edit(client: Client, letter: Letter, **changes: str | None) -> Any:
    """Submit the editor as a browser would, after changing some fields; None unticks a box."""
    url = f"/dashboard/letters/{letter.slug}/"
    values = form_values(client.get(url))
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return client.post(url, values)


def workers_policy(**changes: str | None) -> dict[str, str | None]:
    return {"eligibility": "domains", "eligible_domains": "northwind.example", **changes}


def test_it_shows_each_policy_choice_with_its_label(olu: Client, draft: Letter) -> None:
    page = olu.get(f"/dashboard/letters/{draft.slug}/").text
    for label in (
        "Also accept addresses at their subdomains",
        "Team or department",
        "City or site",
        "Reveal names once this many verified people have signed",
        "Show counts in steps of",
    ):
        assert label in page
    assert "<legend>How the count is shown</legend>" in page
    assert 'href="/what-we-keep/"' in page


def test_it_describes_each_new_number_to_assistive_technology(olu: Client, draft: Letter) -> None:
    page = olu.get(f"/dashboard/letters/{draft.slug}/").text
    assert 'aria-describedby="id_reveal_threshold_helptext"' in page
    assert 'id="id_reveal_threshold_helptext"' in page
    assert 'aria-describedby="id_count_step_helptext"' in page


def test_it_accepts_subdomains_unless_the_organiser_says_not(olu: Client, draft: Letter) -> None:
    form = form_values(olu.get(f"/dashboard/letters/{draft.slug}/"))
    assert form["include_subdomains"] == "on"

    edit(olu, draft, **workers_policy(include_subdomains=None))

    draft.refresh_from_db()
    assert draft.eligibility == Eligibility.DOMAINS
    assert draft.include_subdomains is False
    assert "include_subdomains" not in form_values(olu.get(f"/dashboard/letters/{draft.slug}/"))


def test_it_asks_for_a_team_and_a_place_when_the_organiser_chooses(
    olu: Client, draft: Letter
) -> None:
    edit(olu, draft, ask_department="optional", ask_location="required")

    draft.refresh_from_db()
    assert draft.ask_department == FieldRule.OPTIONAL
    assert draft.ask_location == FieldRule.REQUIRED
    page = olu.get(f"/dashboard/letters/{draft.slug}/preview/").text
    assert "Team or department (public)" in page
    assert "City or site (public)" in page


def test_it_stores_a_reveal_threshold_and_a_count_step(olu: Client, draft: Letter) -> None:
    response = edit(olu, draft, **workers_policy(reveal_threshold="200", count_step="50"))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.reveal_threshold, draft.count_step) == (200, 50)
    form = form_values(olu.get(f"/dashboard/letters/{draft.slug}/"))
    assert (form["reveal_threshold"], form["count_step"]) == ("200", "50")


def test_it_clears_a_threshold_and_a_step_left_empty(
    olu: Client, organisation: Organisation
) -> None:
    letter = make_letter(
        organisation,
        publish=False,
        eligibility=Eligibility.ACADEMIC,
        reveal_threshold=100,
        count_step=10,
    )
    edit(olu, letter, reveal_threshold="", count_step="")

    letter.refresh_from_db()
    assert (letter.reveal_threshold, letter.count_step) == (None, None)


def test_it_refuses_a_threshold_of_one(olu: Client, draft: Letter) -> None:
    response = edit(olu, draft, **workers_policy(reveal_threshold="1", count_step="50"))

    assert response.status_code == 200
    assert "A threshold of 1 would show the first signer&#x27;s name at once." in response.text
    draft.refresh_from_db()
    assert (draft.eligibility, draft.reveal_threshold, draft.count_step) == (
        Eligibility.ANYONE,
        None,
        None,
    )


def test_it_refuses_a_threshold_on_a_letter_anyone_may_sign(olu: Client, draft: Letter) -> None:
    response = edit(olu, draft, eligibility="anyone", reveal_threshold="50")

    assert response.status_code == 200
    error = response.context["form"].errors["reveal_threshold"]
    assert error == [
        "Only verified signers count towards a reveal threshold, so it needs a letter for "
        "academic addresses or for addresses at listed domains."
    ]
    assert "Only verified signers count towards a reveal threshold" in response.text
    draft.refresh_from_db()
    assert draft.reveal_threshold is None


def test_it_refuses_steps_of_one(olu: Client, draft: Letter) -> None:
    response = edit(olu, draft, count_step="1", ask_department="optional")

    assert response.status_code == 200
    assert "Steps of 1 are the exact count." in response.text
    draft.refresh_from_db()
    assert (draft.count_step, draft.ask_department) == (None, FieldRule.OFF)


def test_it_refuses_a_number_that_is_no_number(olu: Client, draft: Letter) -> None:
    response = edit(olu, draft, count_step="fifty")

    assert "Enter a whole number." in response.text
    draft.refresh_from_db()
    assert draft.count_step is None


def test_it_keeps_the_policy_of_a_published_letter_editable(
    olu: Client, organisation: Organisation
) -> None:
    letter = make_letter(organisation, **workers_policy())

    edit(olu, letter, reveal_threshold="20", count_step="5", include_subdomains=None)

    letter.refresh_from_db()
    assert (letter.reveal_threshold, letter.count_step, letter.include_subdomains) == (
        20,
        5,
        False,
    )
    assert letter.versions.count() == 1


def test_it_points_the_organiser_to_what_signers_are_told(olu: Client, draft: Letter) -> None:
    editor = olu.get(f"/dashboard/letters/{draft.slug}/").text
    assert 'href="/what-we-keep/"' in editor

    page = Client().get("/what-we-keep/")

    assert page.status_code == 200
    text = page.text
    assert "What we keep about you</h1>" in text
    for promise in (
        "keyed hash",
        "Your employer may be able to read mail",
        "It is final",
        "works for a year",
        "valid for one day",
        "It never holds an email address",
        "No trackers",
    ):
        assert promise in text
    assert 'src="http' not in text and 'href="http' not in text
