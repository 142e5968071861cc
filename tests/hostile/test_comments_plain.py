"""Signers' comments are hostile input shown to the public and to targets: markup, scripts,
direction overrides and very long text come out as plain text on the signatures page, in
the export and in the delivery; a comment held for approval shows nowhere until it is
approved; and a name its signer hid never shows beside a comment."""

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from tests.conftest import make_letter, run_tasks, sign
from tests.hostile.corpus import SCRIPT, label
from undersigned.accounts.models import User
from undersigned.deliveries.models import Delivery
from undersigned.letters.models import CommentReview, FieldRule, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.comments import comment_show
from undersigned.signing.models import Signature
from undersigned.signing.signatures import signature_confirm

pytestmark = pytest.mark.django_db

# The longest comment the sign form takes, markup around it.
LONG = "<b>" + "W" * 993 + "</b>"
COMMENTS = [*SCRIPT, LONG]
# Directions turned and turned back: "Noor txt.exe" would read as "Noor exe.txt".
FOOTER = re.compile(r"^.* Page \d+$", re.MULTILINE)
OVERRIDES = [
    "\u202e",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]


def signed(letter: Letter, email: str, *, name: str = "Suzie Signer", **fields: str) -> Signature:
    """Signed through the real sign form, confirmed as the emailed link would."""
    response = sign(Client(), letter, name=name, email=email, **fields)
    assert response.status_code == 302, response.text[:500]
    signature = Signature.objects.get(letter=letter, email=email)
    confirmed = signature_confirm(signature_id=signature.pk)
    assert confirmed is not None
    return confirmed


def public_pages(letter: Letter) -> dict[str, str]:
    """Every page and API answer anyone may fetch about the letter, by path."""
    paths = [
        "/",
        f"/letters/{letter.slug}/",
        f"/letters/{letter.slug}/signatures/",
        f"/letters/{letter.slug}/signatures/?by=institution",
        f"/letters/{letter.slug}/count.json",
        "/api/v1/petitions/",
        f"/api/v1/petitions/{letter.slug}/",
        f"/api/v1/petitions/{letter.slug}/signatures/",
    ]
    pages = {}
    for path in paths:
        response = Client().get(path)
        assert response.status_code == 200, path
        pages[path] = response.content.decode()
    return pages


def export(letter: Letter, owner: User) -> str:
    client = Client()
    client.force_login(owner)
    response = client.get(f"/dashboard/letters/{letter.slug}/signatures.csv")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def delivered(letter: Letter, owner: User) -> tuple[str, str]:
    """The text of the delivery's PDF and its CSV, as a target gets them."""
    client = Client()
    client.force_login(owner)
    data: dict[str, Any] = {
        "method": "manual",
        "targets": [letter.targets.get().pk],
        "delivered_on": timezone.localdate().isoformat(),
    }
    response = client.post(f"/dashboard/letters/{letter.slug}/deliveries/new/", data)
    assert response.status_code == 302, response.text[:500]
    run_tasks()
    delivery = Delivery.objects.filter(letter=letter).latest("pk")
    pages = [page.extract_text() for page in PdfReader(delivery.pdf.open("rb")).pages]
    # Less each page's footer, which a comment running on to the next page goes around.
    pdf = FOOTER.sub("", "\n".join(pages))
    return pdf, delivery.csv.open("rb").read().decode("utf-8-sig")


def comments_in(table: str) -> list[str]:
    return [row["Comment"] for row in csv.DictReader(io.StringIO(table))]


def without_spaces(text: str) -> str:
    return re.sub(r"[\s\x00]", "", text)


@pytest.fixture
def hostile_petition(organisation: Organisation) -> Letter:
    """A petition whose comments show at once, signed with every hostile comment."""
    letter = make_letter(organisation, slug="hostile-comments", ask_comment=FieldRule.OPTIONAL)
    for n, comment in enumerate(COMMENTS):
        signed(letter, f"hostile{n}@example.org", name=f"Signer {n}", comment=comment)
    return letter


def test_the_signatures_page_shows_hostile_comments_as_plain_text(
    hostile_petition: Letter,
) -> None:
    slug = hostile_petition.slug
    # The letter page lists its ten newest signatures: these are all of them.
    for path in (f"/letters/{slug}/signatures/", f"/letters/{slug}/"):
        page = Client().get(path).text
        for comment in COMMENTS:
            assert escape(comment) in page, (path, label(comment))
            if escape(comment) != comment:
                assert comment not in page, (path, label(comment))  # never as markup


def test_the_export_holds_hostile_comments_as_written(
    hostile_petition: Letter, organiser: User
) -> None:
    assert sorted(comments_in(export(hostile_petition, organiser))) == sorted(COMMENTS)


def test_the_delivery_carries_hostile_comments_as_text(
    hostile_petition: Letter, organiser: User
) -> None:
    pdf, table = delivered(hostile_petition, organiser)

    assert sorted(comments_in(table)) == sorted(COMMENTS)
    for comment in COMMENTS:
        assert without_spaces(comment) in without_spaces(pdf), label(comment)


@pytest.mark.parametrize("override", OVERRIDES, ids=label)
def test_the_sign_form_refuses_a_comment_that_turns_the_text(
    petition: Letter, override: str
) -> None:
    response = sign(Client(), petition, comment=f"Noor {override}txt.exe")

    assert response.status_code == 400
    assert "Remove the invisible control characters." in response.text
    assert not Signature.objects.exists()


def test_a_comment_kept_with_overrides_is_shown_without_them(
    petition: Letter, organiser: User
) -> None:
    """One stored before the form refused them, or typed in the admin."""
    signature = signed(petition, "noor@example.org", name="Noor Haddad", comment="Noor txt.exe")
    Signature.objects.filter(pk=signature.pk).update(comment="".join(OVERRIDES) + "Noor txt.exe")

    page = Client().get(f"/letters/{petition.slug}/signatures/").text
    pdf, table = delivered(petition, organiser)

    for shown in (page, export(petition, organiser), pdf, table):
        assert "Noor txt.exe" in shown
        assert not any(override in shown for override in OVERRIDES)


def test_a_held_comment_shows_nowhere_before_it_is_approved(
    organisation: Organisation, organiser: User
) -> None:
    letter = make_letter(
        organisation,
        slug="held-comments",
        ask_comment=FieldRule.OPTIONAL,
        comment_review=CommentReview.BEFORE,
    )
    signature = signed(letter, "ada@example.org", name="Ada Lovelace", comment="Held k9z4 words")

    places = {**public_pages(letter), "export": export(letter, organiser)}
    pdf, table = delivered(letter, organiser)
    places.update({"delivery PDF": pdf, "delivery CSV": table})
    for where, text in places.items():
        assert "k9z4" not in text, where
    assert "Ada Lovelace" in places[f"/letters/{letter.slug}/signatures/"]  # still listed

    comment_show(signature=signature, by=organiser)

    assert "Held k9z4 words" in Client().get(f"/letters/{letter.slug}/signatures/").text
    assert "Held k9z4 words" in export(letter, organiser)


def test_a_hidden_name_never_shows_beside_a_comment(petition: Letter, organiser: User) -> None:
    signed(petition, "iq@example.org", name="Ingrid Quennell", display="initials", comment="By I")
    signed(
        petition,
        "av@example.org",
        name="Anouk Vreeswijk",
        display="anonymous",
        comment="Anouk's reason q3x8",
    )

    places = {**public_pages(petition), "export": export(petition, organiser)}
    pdf, table = delivered(petition, organiser)
    places.update({"delivery PDF": pdf, "delivery CSV": table})
    moderator = Client()
    moderator.force_login(organiser)
    queue = moderator.get(f"/dashboard/letters/{petition.slug}/comments/?state=shown").text
    for where, text in {**places, "comment queue": queue}.items():
        for hidden in ("Ingrid", "Quennell", "Anouk Vreeswijk", "Vreeswijk"):
            assert hidden not in text, (where, hidden)
    # An anonymous signer's comment could single them out: it shows to nobody outside.
    for where, text in places.items():
        assert "q3x8" not in text, where
    page = places[f"/letters/{petition.slug}/signatures/"]
    assert re.search(r"I\. Q\.</span>\s*<q class=\"comment\">By I</q>", page)
    assert re.search(r"Anonymous</td>\s*<td[^>]*><q class=\"comment\">Anouk&#x27;s", queue)
