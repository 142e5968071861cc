"""The letter editor: what it saves, what it refuses, and the history of a published text."""

from typing import Any

import pytest
from django.test import Client

from tests.conftest import make_letter
from tests.letters.editor_page import form_values
from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, Letter, Status
from undersigned.organisations.models import Organisation

NEW = "/dashboard/organisations/open-streets-alliance/letters/new/"


@pytest.fixture
def olu(organiser: User, organisation: Organisation) -> Client:
    """Olu, signed in, owner of the Open Streets Alliance."""
    client = Client()
    client.force_login(organiser)
    return client


def new_letter_form(client: Client, **changes: str) -> dict[str, str]:
    values = form_values(client.get(NEW))
    values.update(
        {
            "title": "Keep the library open",
            "body": "The library matters.",
            "targets-0-name": "The city council",
        }
    )
    values.update(changes)
    return values


def edit(client: Client, letter: Letter, **changes: str) -> Any:
    url = f"/dashboard/letters/{letter.slug}/"
    values = form_values(client.get(url))
    values.update(changes)
    return client.post(url, values)


def test_it_saves_a_new_letter_as_a_draft_of_the_organisation(
    olu: Client, organisation: Organisation
) -> None:
    form = new_letter_form(
        olu,
        demands="Keep it open.\n\nFund it.",
        pledge="I will borrow a book.",
        goal="500",
        eligibility="academic",
        ask_affiliation="required",
        allow_initials="",
        **{"targets-0-role": "Budget committee", "targets-1-name": "The mayor"},
    )
    form.pop("allow_initials")
    response = olu.post(NEW, form)

    assert response.status_code == 302
    letter = Letter.objects.get()
    assert letter.organisation == organisation
    assert letter.slug == "keep-the-library-open"
    assert letter.status == Status.DRAFT
    assert letter.demand_list == ["Keep it open.", "Fund it."]
    assert letter.goal == 500
    assert (letter.eligibility, letter.ask_affiliation) == ("academic", "required")
    assert (letter.allow_full_name, letter.allow_initials, letter.allow_anonymous) == (
        True,
        False,
        True,
    )
    assert [str(t) for t in letter.targets.all()] == [
        "The city council, Budget committee",
        "The mayor",
    ]
    assert letter.versions.count() == 0


def test_it_makes_the_address_unique(olu: Client, organisation: Organisation) -> None:
    make_letter(organisation, slug="keep-the-library-open")
    olu.post(NEW, new_letter_form(olu))
    assert Letter.objects.filter(slug="keep-the-library-open-2").exists()


def test_it_refuses_an_address_already_in_use(olu: Client, organisation: Organisation) -> None:
    make_letter(organisation, slug="taken")
    response = olu.post(NEW, new_letter_form(olu, slug="taken"))
    assert "Another letter already uses this address" in response.text
    assert Letter.objects.count() == 1


def test_it_asks_for_at_least_one_target(olu: Client) -> None:
    response = olu.post(NEW, new_letter_form(olu, **{"targets-0-name": ""}))
    assert response.status_code == 200
    assert "Address the letter to at least one target." in response.text
    assert not Letter.objects.exists()


def test_it_will_not_remove_the_last_target(olu: Client, organisation: Organisation) -> None:
    letter = make_letter(organisation, publish=False)
    response = edit(olu, letter, **{"targets-0-DELETE": "on"})
    assert "Address the letter to at least one target." in response.text
    assert letter.targets.count() == 1


def test_it_adds_and_removes_targets_in_order(olu: Client, organisation: Organisation) -> None:
    letter = make_letter(organisation, publish=False)
    edit(olu, letter, **{"targets-1-name": "Every firm with such a contract"})
    assert [t.name for t in letter.targets.all()] == [
        "Dana Whitfield",
        "Every firm with such a contract",
    ]
    edit(olu, letter, **{"targets-0-DELETE": "on"})
    assert [t.name for t in letter.targets.all()] == ["Every firm with such a contract"]


def test_it_will_not_publish_a_letter_without_a_target(
    olu: Client, organisation: Organisation
) -> None:
    letter = Letter.objects.create(
        organisation=organisation, slug="to-nobody", title="To nobody", body="Hello."
    )
    response = olu.post("/dashboard/letters/to-nobody/publish/", follow=True)
    assert "Not published: Add at least one target before publishing." in response.text
    letter.refresh_from_db()
    assert letter.status == Status.DRAFT
    assert Client().get("/letters/to-nobody/").status_code == 404


def test_it_requires_a_way_to_show_names(olu: Client, organisation: Organisation) -> None:
    letter = make_letter(organisation, publish=False)
    form = form_values(olu.get(f"/dashboard/letters/{letter.slug}/"))
    for field in ("allow_full_name", "allow_initials", "allow_anonymous"):
        form.pop(field)
    response = olu.post(f"/dashboard/letters/{letter.slug}/", form)
    assert "Allow at least one way to show signers&#x27; names" in response.text
    letter.refresh_from_db()
    assert letter.allow_full_name and letter.allow_initials and letter.allow_anonymous


def test_it_will_not_publish_a_letter_that_shows_names_no_way(
    olu: Client, organisation: Organisation
) -> None:
    letter = make_letter(
        organisation,
        publish=False,
        allow_full_name=False,
        allow_initials=False,
        allow_anonymous=False,
    )
    response = olu.post(f"/dashboard/letters/{letter.slug}/publish/", follow=True)
    assert "Not published: Allow at least one way" in response.text
    letter.refresh_from_db()
    assert letter.status == Status.DRAFT


def test_it_requires_domains_when_only_listed_domains_may_sign(
    olu: Client, organisation: Organisation
) -> None:
    letter = make_letter(organisation, publish=False)
    response = edit(olu, letter, eligibility="domains", eligible_domains="")
    assert "List the domains whose addresses may sign" in response.text
    letter.refresh_from_db()
    assert letter.eligibility == Eligibility.ANYONE


def test_it_refuses_what_is_not_a_domain(olu: Client, organisation: Organisation) -> None:
    letter = make_letter(organisation, publish=False)
    response = edit(
        olu,
        letter,
        eligibility="domains",
        eligible_domains="northwind.example\n@northwind.example\nhttps://northwind.example/",
    )
    assert "“@northwind.example” is not a domain name" in response.text
    assert "“https://northwind.example/” is not a domain name" in response.text
    assert "“northwind.example” is not" not in response.text
    letter.refresh_from_db()
    assert letter.eligibility == Eligibility.ANYONE


def test_it_stores_domains_as_signers_addresses_are_compared(
    olu: Client, organisation: Organisation
) -> None:
    letter = make_letter(organisation, publish=False)
    domains = " Northwind.Example. \nbücher.example"
    edit(olu, letter, eligibility="domains", eligible_domains=domains)
    letter.refresh_from_db()
    assert letter.domain_list == ["northwind.example", "xn--bcher-kva.example"]


def test_it_keeps_a_published_letters_address(olu: Client, organisation: Organisation) -> None:
    letter = make_letter(organisation, slug="drop-the-contract")
    form = form_values(olu.get("/dashboard/letters/drop-the-contract/"))
    assert "slug" not in form  # shown, but disabled
    olu.post("/dashboard/letters/drop-the-contract/", {**form, "slug": "something-else"})
    letter.refresh_from_db()
    assert letter.slug == "drop-the-contract"


def test_it_keeps_no_versions_of_a_draft(olu: Client, organisation: Organisation) -> None:
    letter = make_letter(organisation, publish=False)
    edit(olu, letter, body="A better first draft.")
    letter.refresh_from_db()
    assert letter.body == "A better first draft."
    assert letter.versions.count() == 0
    assert letter.text_changed_at is None


def test_it_keeps_a_new_version_when_a_published_text_changes(
    olu: Client, organisation: Organisation
) -> None:
    letter = make_letter(organisation)
    edit(olu, letter, title="Drop the camera contract now")
    letter.refresh_from_db()
    assert [v.title for v in letter.versions.all()] == [
        "Drop the camera contract now",
        "Drop the camera contract",
    ]
    assert letter.versions.first().text_hash == letter.text_hash()  # type: ignore[union-attr]
    assert letter.text_changed_at is not None


def test_it_keeps_no_new_version_when_only_the_policy_changes(
    olu: Client, organisation: Organisation
) -> None:
    letter = make_letter(organisation)
    response = edit(olu, letter, goal="5000", ask_postal_code="optional")
    assert "Saved." in olu.get(response["Location"]).text
    letter.refresh_from_db()
    assert (letter.goal, letter.ask_postal_code) == (5000, "optional")
    assert letter.versions.count() == 1
    assert letter.text_changed_at is None


def test_it_closes_an_open_letter(olu: Client, organisation: Organisation) -> None:
    letter = make_letter(organisation, slug="drop-the-contract")
    olu.post("/dashboard/letters/drop-the-contract/close/")
    letter.refresh_from_db()
    assert letter.status == Status.CLOSED
    assert "Signing has closed" in Client().get("/letters/drop-the-contract/").text


def test_it_says_why_a_closed_letter_cannot_be_closed_again(
    olu: Client, organisation: Organisation
) -> None:
    make_letter(organisation, slug="drop-the-contract", status=Status.CLOSED, publish=False)
    response = olu.post("/dashboard/letters/drop-the-contract/close/", follow=True)
    assert "Only an open letter can be closed." in response.text
