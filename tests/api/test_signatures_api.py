"""The API's signatories are the public signatures page's, through the one presenter: a
hidden name stays hidden, a comment shows once the letter's moderation shows it, and
nobody is listed before the reveal threshold."""

from django.test import Client

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import CommentReview, Eligibility, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature


def signatures_of(letter: Letter, **query: str) -> dict:
    response = Client().get(f"/api/v1/letters/{letter.slug}/signatures/", query)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_it_lists_signatories_as_the_public_sees_them(petition: Letter) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace", comment="For <b>all</b>.")
    signed_and_confirmed(
        petition, "grace@example.org", "Grace Hopper", display="anonymous", comment="Quietly."
    )
    signed_and_confirmed(petition, "alan@example.org", "Alan Turing", display="initials")

    data = signatures_of(petition)

    assert data["names_revealed"] is True
    assert data["total_records"] == 3
    listed = {entry["name"]: entry for entry in data["signatures"]}
    assert set(listed) == {"Ada Lovelace", "Anonymous", "A. T."}
    assert listed["Ada Lovelace"]["comment"] == "For <b>all</b>."
    assert listed["Anonymous"]["comment"] == ""
    text = str(data)
    assert "Grace" not in text and "Alan" not in text and "@" not in text


def test_a_held_comment_is_not_in_the_api_until_approved(organisation: Organisation) -> None:
    letter = make_letter(
        organisation, slug="held", ask_comment="optional", comment_review=CommentReview.BEFORE
    )
    signed = signed_and_confirmed(letter, "ada@example.org", "Ada Lovelace", comment="Held.")

    assert signatures_of(letter)["signatures"][0]["comment"] == ""

    Signature.objects.filter(pk=signed.pk).update(comment_state="shown")
    assert signatures_of(letter)["signatures"][0]["comment"] == "Held."


def test_nobody_is_listed_before_the_reveal_threshold(organisation: Organisation) -> None:
    letter = make_letter(
        organisation,
        slug="threshold",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        reveal_threshold=3,
    )
    signed_and_confirmed(letter, "ada@northwind.example", "Ada Lovelace")

    data = signatures_of(letter)

    assert data["names_revealed"] is False
    assert data["signatures"] == [] and data["total_records"] == 0
    assert "Ada" not in str(data)


def test_it_pages_fifty_at_a_time(petition: Letter) -> None:
    for n in range(51):
        signed_and_confirmed(petition, f"signer{n}@example.org", f"Signer Number{n}")

    first = signatures_of(petition)
    second = signatures_of(petition, page="2")

    assert len(first["signatures"]) == 50 and first["total_pages"] == 2
    assert first["next"].endswith("/signatures/?page=2")
    assert len(second["signatures"]) == 1 and second["next"] is None


def test_a_draft_has_no_signatures_to_list(organisation: Organisation) -> None:
    make_letter(organisation, slug="a-draft", publish=False)

    assert Client().get("/api/v1/letters/a-draft/signatures/").status_code == 404
