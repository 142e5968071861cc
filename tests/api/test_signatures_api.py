"""The API's signatories are the public signatures page's, through the one presenter: a
hidden name stays hidden, a comment shows once the letter's moderation shows it, nobody
is listed before the reveal threshold, and they come in the page's order."""

from typing import Any

from django.conf import settings
from django.test import Client

from tests.api.conftest import local, walk
from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import CommentReview, Eligibility, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.models import CommentState, Signature
from undersigned.signing.signatures import SignatureInput, signature_create, signature_withdraw

PUBLIC_KEYS = {
    "name",
    "level",
    "verified",
    "verification",
    "institution",
    "claimed_affiliation",
    "title",
    "department",
    "location",
    "comments",
    "paper",
    "_links",
}


def signatures_of(letter: Letter, **query: str) -> dict[str, Any]:
    response = Client().get(f"/api/v1/petitions/{letter.slug}/signatures/", query)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data: dict[str, Any] = response.json()
    return data


def listed(data: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = data["_embedded"]["osdi:signatures"]
    return entries


def test_it_lists_signatories_as_the_public_sees_them(petition: Letter) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace", comment="For <b>all</b>.")
    signed_and_confirmed(
        petition, "grace@example.org", "Grace Hopper", display="anonymous", comment="Quietly."
    )
    signed_and_confirmed(petition, "alan@example.org", "Alan Turing", display="initials")

    data = signatures_of(petition)

    assert data["names_revealed"] is True
    assert data["total_records"] == 3
    entries = {entry["name"]: entry for entry in listed(data)}
    assert set(entries) == {"Ada Lovelace", "Anonymous", "A. T."}
    assert entries["Ada Lovelace"]["comments"] == "For <b>all</b>."
    assert entries["Anonymous"]["comments"] == ""
    text = str(data)
    assert "Grace" not in text and "Alan" not in text and "@" not in text
    # No identifier and no date: either would tell the order people signed in.
    assert {key for entry in listed(data) for key in entry} == PUBLIC_KEYS
    petition_link = {"href": f"{settings.BASE_URL}/api/v1/petitions/{petition.slug}/"}
    assert all(entry["_links"]["osdi:petition"] == petition_link for entry in listed(data))


def test_it_lists_a_workers_team_and_place_but_never_a_hidden_name(workers_letter: Letter) -> None:
    signed_and_confirmed(
        workers_letter,
        "wren@northwind.example",
        "Wren Holloway",
        display="anonymous",
        department="Engineering",
        location="Seattle",
    )

    [entry] = listed(signatures_of(workers_letter))

    assert (entry["name"], entry["department"], entry["location"]) == (
        "Anonymous",
        "Engineering",
        "Seattle",
    )
    assert (entry["verified"], entry["verification"]) == (True, "Verified employee")


def test_it_lists_only_counted_signatures(petition: Letter) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    withdrawn = signed_and_confirmed(petition, "emmy@example.org", "Emmy Noether")
    signature_withdraw(signature_id=withdrawn.pk)
    signature_create(
        letter=petition,
        data=SignatureInput(
            name="Pendle Oakhurst", email="po@example.org", display="full", consent_updates=False
        ),
    )

    data = signatures_of(petition)

    assert [entry["name"] for entry in listed(data)] == ["Ada Lovelace"]
    assert data["total_records"] == 1


def test_a_held_comment_is_not_in_the_api_until_approved(organisation: Organisation) -> None:
    letter = make_letter(
        organisation, slug="held", ask_comment="optional", comment_review=CommentReview.BEFORE
    )
    signed = signed_and_confirmed(letter, "ada@example.org", "Ada Lovelace", comment="Held.")

    assert listed(signatures_of(letter))[0]["comments"] == ""

    Signature.objects.filter(pk=signed.pk).update(comment_state=CommentState.SHOWN)
    assert listed(signatures_of(letter))[0]["comments"] == "Held."

    Signature.objects.filter(pk=signed.pk).update(comment_state=CommentState.HIDDEN)
    assert listed(signatures_of(letter))[0]["comments"] == ""


def test_nobody_is_listed_before_the_reveal_threshold(organisation: Organisation) -> None:
    letter = make_letter(
        organisation,
        slug="threshold",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        reveal_threshold=3,
    )
    signed_and_confirmed(letter, "ada@northwind.example", "Ada Lovelace")
    signed_and_confirmed(letter, "alan@northwind.example", "Alan Turing")

    data = signatures_of(letter)

    assert data["names_revealed"] is False
    assert listed(data) == [] and data["total_records"] == 0
    assert "next" not in data["_links"] or data["_links"]["next"] is None
    assert "Ada" not in str(data) and "Alan" not in str(data)

    signed_and_confirmed(letter, "grace@northwind.example", "Grace Hopper")

    data = signatures_of(letter)
    assert data["names_revealed"] is True
    assert len(listed(data)) == data["total_records"] == 3


def test_it_lists_the_newest_first(petition: Letter) -> None:
    for name in ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Emmy Noether"):
        signed_and_confirmed(petition, f"{name.split()[0].lower()}@example.org", name)

    names = [entry["name"] for entry in listed(signatures_of(petition))]

    assert names == ["Emmy Noether", "Grace Hopper", "Alan Turing", "Ada Lovelace"]


def test_it_lists_a_stepped_letters_signatories_by_name_only(workers_letter: Letter) -> None:
    workers_letter.count_step = 5
    workers_letter.save()
    for email, name in [
        ("zoe@northwind.example", "Zoe Zimmer"),
        ("abe@northwind.example", "Abe Adler"),
        ("mo@northwind.example", "Mo Moss"),
    ]:
        signed_and_confirmed(workers_letter, email, name, display="initials")

    data = signatures_of(workers_letter, per_page="2")
    names = [entry["name"] for page in walk(_path(workers_letter, 2)) for entry in listed(page)]

    # Newest first would tie the newest entry to the newest signer.
    assert names == ["A. A.", "M. M.", "Z. Z."]
    assert data["total_records"] == 0  # fewer than the step: no number at all


def _path(letter: Letter, per_page: int) -> str:
    return f"/api/v1/petitions/{letter.slug}/signatures/?per_page={per_page}"


def test_it_pages_fifty_at_a_time(petition: Letter) -> None:
    for n in range(51):
        signed_and_confirmed(petition, f"signer{n}@example.org", f"Signer Number{n}")

    first = signatures_of(petition)
    second = Client().get(local(first["_links"]["next"]["href"])).json()

    assert len(listed(first)) == 50 and first["total_records"] == 51
    assert first["per_page"] == 50
    assert len(listed(second)) == 1 and second["_links"].get("next") is None
    assert listed(second)[0]["name"] == "Signer Number0"


def test_a_draft_has_no_signatures_to_list(organisation: Organisation) -> None:
    make_letter(organisation, slug="a-draft", publish=False)

    assert Client().get("/api/v1/petitions/a-draft/signatures/").status_code == 404
