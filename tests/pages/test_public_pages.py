"""Invariants 4 and 5 on every public page: no email address, and no name a signer hid."""

import json
import re

import pytest
from django.test import Client

from tests.conftest import make_letter, sign
from undersigned.letters.models import FieldRule, Letter
from undersigned.letters.publishing import letter_close, letter_text_changed
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create
from undersigned.signing.tokens import confirmation_token

ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
FILLERS = 50  # newer than the signers below: a full first page, so they are on page 2

# name, email, display, confirmed
SIGNERS = [
    ("Fulton Xanthe", "fx.k7q2full+letters@example.org", "full", True),
    ("Ingrid Quennell", "iq.k7q2initials@gmail.com", "initials", True),
    ("Anouk Vreeswijk", "av.k7q2anonymous@bücher.example", "anonymous", True),
    ("Pendle Oakhurst", "po.k7q2pending@example.net", "full", False),
]
HIDDEN = ["Ingrid", "Quennell", "Anouk", "Vreeswijk", "Vreeswijk Institute", "Keeper of Owls"]
# What each signer claims; an anonymous signer's claim is never shown.
AFFILIATIONS = {
    "full": "Xanthe Institute",
    "initials": "Northgate Institute",
    "anonymous": "Vreeswijk Institute",
}


@pytest.fixture
def open_letter(organisation: Organisation) -> Letter:
    """A letter asking for affiliation, title and a comment, signed in every way."""
    letter = make_letter(
        organisation,
        slug="open-letter",
        goal=100,
        ask_affiliation=FieldRule.OPTIONAL,
        ask_title=FieldRule.OPTIONAL,
        ask_comment=FieldRule.OPTIONAL,
    )
    client = Client()
    for name, email, display, confirmed in SIGNERS:
        response = sign(
            client,
            letter,
            name=name,
            email=email,
            display=display,
            affiliation=AFFILIATIONS[display],
            title="Keeper of Owls" if display == "anonymous" else "Professor",
            comment=f"The contract must go ({display}).",
        )
        assert response.status_code == 302, response.text
        if confirmed:
            token = confirmation_token(Signature.objects.get(email=email).pk)
            assert client.post(f"/confirm/{token}/").status_code == 200
    for n in range(FILLERS):
        data = SignatureInput(
            name=f"Filler {n}",
            email=f"filler{n}.k7q2@example.com",
            display="full",
            consent_updates=False,
        )
        signature_confirm(signature_id=signature_create(letter=letter, data=data).pk)
    letter.body += "\n\nWe add a second demand."
    letter.save()
    letter_text_changed(letter=letter)
    return letter


def public_pages(letter: Letter) -> dict[str, str]:
    """Every page and API response anyone may fetch about this letter, by path."""
    slug = letter.slug
    paths = [
        "/",
        f"/letters/{slug}/",
        f"/letters/{slug}/signatures/",
        f"/letters/{slug}/signatures/?page=2",
        f"/letters/{slug}/versions/",
        f"/letters/{slug}/count.json",
        f"/letters/{slug}/signed/",
        "/api/v1/petitions/",
        f"/api/v1/petitions/{slug}/",
        f"/api/v1/petitions/{slug}/count/",
        f"/api/v1/petitions/{slug}/signatures/?per_page=500",
    ]
    client = Client()
    pages = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.content.decode()
    return pages


def test_it_shows_every_confirmed_signer_as_they_chose(open_letter: Letter) -> None:
    pages = public_pages(open_letter)

    page_two = pages["/letters/open-letter/signatures/?page=2"]
    assert "Page 2 of 2" in page_two
    # Their addresses prove no institution, so the ones they named show as claimed.
    assert "Fulton Xanthe · Professor · Xanthe Institute (claimed)" in page_two
    assert "I. Q. · Professor · Northgate Institute (claimed)" in page_two
    assert "The contract must go (initials)." in page_two
    assert re.search(r">Anonymous<", page_two)  # with neither a title nor an institution
    assert "Pendle" not in page_two  # not confirmed, so not shown
    assert json.loads(pages["/letters/open-letter/count.json"])["total_signatures"] == FILLERS + 3


def test_it_never_publishes_an_email_address(open_letter: Letter) -> None:
    for path, body in public_pages(open_letter).items():
        assert ADDRESS.search(body) is None, (path, ADDRESS.search(body))
        assert "k7q2" not in body, path  # in every signer's address, and nothing else
        for _name, email, _display, _confirmed in SIGNERS:
            local_part = email.partition("@")[0]
            assert local_part not in body, (path, local_part)
            assert local_part.split("+")[0] not in body, (path, local_part)


def test_it_never_shows_a_name_its_signer_hid(open_letter: Letter) -> None:
    for path, body in public_pages(open_letter).items():
        for hidden in HIDDEN:
            assert hidden not in body, (path, hidden)
        assert "The contract must go (anonymous)." not in body, path


def test_it_keeps_hidden_names_hidden_on_a_workers_letter(workers_letter: Letter) -> None:
    client = Client()
    sign(
        client,
        workers_letter,
        name="Wren Holloway",
        email="wren@northwind.example",
        display="initials",
        consent_updates=None,
    )
    signature = Signature.objects.get()
    client.post(f"/confirm/{confirmation_token(signature.pk)}/")

    pages = public_pages(workers_letter)

    assert "W. H." in pages["/letters/northwind-workers/signatures/"]
    assert "W. H." in pages["/api/v1/petitions/northwind-workers/signatures/?per_page=500"]
    for path, body in pages.items():
        assert "Wren" not in body and "Holloway" not in body, path
        assert "wren@" not in body, path


def test_it_tells_an_employee_before_signing_what_is_kept_and_who_sees_it(
    workers_letter: Letter,
) -> None:
    body = Client().get(f"/letters/{workers_letter.slug}/").content.decode()
    notice = body.partition("Before you sign")[2].partition(">Sign</button>")[0]

    assert "Your work address gets one email, to prove you work there, and never another." in notice
    assert "Your employer may be able to see mail arriving at your work address" in notice
    assert (
        "The organisers and the letter's targets see exactly what the public sees, "
        "never an address." in notice
    )
    assert 'href="/what-we-keep/"' in notice


def test_it_tells_a_professor_the_university_address_is_not_kept(academic_letter: Letter) -> None:
    body = Client().get(f"/letters/{academic_letter.slug}/").content.decode()
    notice = body.partition("Before you sign")[2].partition(">Sign</button>")[0]

    assert "Your university address gets one email" in notice
    assert "we keep only its domain and a one-way hash of it" in notice


def test_it_needs_no_such_notice_where_anyone_may_sign(petition: Letter) -> None:
    assert "Before you sign" not in Client().get(f"/letters/{petition.slug}/").content.decode()


def test_it_links_to_managing_a_signature_while_open_and_after(petition: Letter) -> None:
    link = f'<a href="/letters/{petition.slug}/manage/">Manage or withdraw your signature</a>'
    assert link in Client().get(f"/letters/{petition.slug}/").content.decode()

    letter_close(letter=petition)

    assert link in Client().get(f"/letters/{petition.slug}/").content.decode()
