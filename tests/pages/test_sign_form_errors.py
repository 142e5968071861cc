"""A refused signature shows its error at the field it is about, moves the focus there,
and keeps everything the signer typed, whatever refused it."""

import re
from html.parser import HTMLParser
from typing import Any

from django.test import Client

from tests.conftest import sign
from undersigned.letters.models import Letter


class Fields(HTMLParser):
    """The attributes of each input, select and textarea, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str]] = {}
        self.texts: dict[str, str] = {}
        self._textarea = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag in {"input", "textarea", "select"} and "name" in found:
            if found.get("type") == "radio" and "checked" not in found:
                self.inputs.setdefault(found["name"], found)
            else:
                self.inputs[found["name"]] = found
            self._textarea = found["name"] if tag == "textarea" else ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.texts[self._textarea] = self.texts.get(self._textarea, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = ""


def fields(response: Any) -> Fields:
    parser = Fields()
    parser.feed(response.content.decode())
    return parser


def error_of(response: Any, field: str) -> str:
    match = re.search(
        rf'<div class="errors" id="id_{field}_error">(.*?)</div>', response.text, re.S
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def test_it_shows_a_refused_address_at_the_address_field_and_focuses_it(
    workers_letter: Letter,
) -> None:
    response = sign(
        Client(),
        workers_letter,
        name="Wren Worker",
        email="wren@gmail.com",
        display="initials",
        department="Cloud",
        consent_updates=None,
    )

    assert response.status_code == 400
    assert error_of(response, "email") == (
        "This letter can only be signed with an address at northwind.example."
    )
    email = fields(response).inputs["email"]
    assert email["aria-invalid"] == "true"
    assert "id_email_error" in email["aria-describedby"].split()
    assert "autofocus" in email
    assert [name for name, attrs in fields(response).inputs.items() if "autofocus" in attrs] == [
        "email"
    ]
    typed = fields(response).inputs
    assert (typed["name"]["value"], typed["email"]["value"]) == ("Wren Worker", "wren@gmail.com")
    assert typed["department"]["value"] == "Cloud"


def test_it_shows_a_missing_answer_at_its_field(academic_letter: Letter) -> None:
    response = sign(Client(), academic_letter, email="ada@stanford.edu", title="Professor")

    assert response.status_code == 400
    assert error_of(response, "affiliation") == "This field is required."
    assert "autofocus" in fields(response).inputs["affiliation"]
    assert fields(response).inputs["title"]["value"] == "Professor"
    assert 'role="alert"' in response.text


def test_it_shows_the_need_for_a_personal_address_at_that_field(workers_letter: Letter) -> None:
    response = sign(
        Client(), workers_letter, email="wren@northwind.example", display="anonymous", name=""
    )

    assert response.status_code == 400
    assert error_of(response, "contact_email").startswith("To receive updates, give a personal")
    assert "autofocus" in fields(response).inputs["contact_email"]


def test_it_keeps_what_was_typed_when_the_rate_limit_asks_for_the_challenge(
    petition: Letter, settings: Any
) -> None:
    settings.SIGNATURE_RATE_LIMIT = "1/d"
    assert sign(Client(), petition, email="first@example.org").status_code == 302

    response = sign(
        Client(), petition, name="Sam Second", email="sam@example.org", comment="Please drop it"
    )

    assert response.status_code == 429
    assert "your browser must first solve a short puzzle" in response.text
    typed = fields(response)
    assert (typed.inputs["name"]["value"], typed.inputs["email"]["value"]) == (
        "Sam Second",
        "sam@example.org",
    )
    assert typed.texts["comment"].strip() == "Please drop it"
