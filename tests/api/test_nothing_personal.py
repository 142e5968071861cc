"""Invariants 4 and 5 over the whole API, walked from its schema: every GET operation, on
every letter, page after page, publicly and with a token holding every scope, the
exports included. No answer holds an address of anyone (signer, signer's personal
address, paper signer, organiser, target), a name its signer hid, or what could single
out an anonymous signer (their title, their comment)."""

import io
import json
import re
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import bearer, local
from tests.conftest import run_tasks
from undersigned.accounts.models import User
from undersigned.api.api import api
from undersigned.deliveries.models import Response
from undersigned.deliveries.responses import response_record
from undersigned.letters.models import Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create

ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
# In every address below, and in nothing else.
MARK = "k4w"
HIDDEN = [
    "Ysmay",
    "Brokewater",
    "Quillon",
    "Zeravesh",
    "Perpetua",
    "Vanstraaten",
    "Odalys",
    "Thornquist",
    "Keeper of Owls",
    "anonymous reason",
]
SHOWN = ["Fulton Xanthe", "Y. B.", "O. T.", "Anonymous", "Rally Rowena"]


def signed(letter: Letter, email: str, name: str, display: str, **details: str) -> Signature:
    contact = details.pop("contact_email", "")
    signature = signature_create(
        letter=letter,
        data=SignatureInput(
            name=name,
            email=email,
            display=display,
            consent_updates=True,
            contact_email=contact,
            details=details,
        ),
    )
    confirmed = signature_confirm(signature_id=signature.pk)
    assert confirmed is not None
    return confirmed


@pytest.fixture
def everything(
    petition: Letter,
    academic_letter: Letter,
    workers_letter: Letter,
    organisation: Organisation,
    organiser: User,
    secret: str,
) -> list[Letter]:
    """Three letters, signed in every way, with an update, a paper batch, a delivery and an
    answer."""
    organisation.contact_email = f"press.{MARK}@campaign.example"
    organisation.save()
    petition.targets.update(delivery_address=f"dana.{MARK}@northwind.example")
    signed(petition, f"fx.{MARK}@example.org", "Fulton Xanthe", "full", comment="Drop it.")
    signed(petition, f"yb.{MARK}@gmail.com", "Ysmay Brokewater", "initials", country="NL")
    signed(
        petition,
        f"qz.{MARK}@example.net",
        "Quillon Zeravesh",
        "anonymous",
        comment="My anonymous reason",
        postal_code="1012 AB",
    )
    signed(
        academic_letter,
        f"odalys.{MARK}@stanford.edu",
        "Odalys Thornquist",
        "initials",
        affiliation="Stanford",
        title="Professor",
    )
    signed(
        academic_letter,
        f"anon.{MARK}@mit.edu",
        "Quillon Zeravesh",
        "anonymous",
        affiliation="MIT",
        title="Keeper of Owls",
    )
    signed(
        workers_letter,
        f"staff.{MARK}@northwind.example",
        "Perpetua Vanstraaten",
        "anonymous",
        department="Logistics",
        contact_email=f"home.{MARK}@example.net",
    )
    organiser_api = Client()
    paper = organiser_api.post(
        f"/api/v1/organisation/petitions/{petition.slug}/paper-batches/",
        {
            "label": "Rally",
            "rows": [
                {"name": "Rally Rowena", "email": f"rowena.{MARK}@example.org"},
                {"name": "Odalys Thornquist", "email": f"ot.{MARK}@example.org",
                 "display": "anonymous"},
            ],
        },
        content_type="application/json",
        headers=bearer(secret),
    )  # fmt: skip
    assert paper.status_code == 201, paper.content
    update = organiser_api.post(
        f"/api/v1/organisation/petitions/{petition.slug}/updates/",
        {"title": "We delivered it", "description": "Thank you all."},
        content_type="application/json",
        headers=bearer(secret),
    )
    assert update.status_code == 201, update.content
    owner = Client()
    owner.force_login(organiser)
    delivered = owner.post(
        f"/dashboard/letters/{petition.slug}/deliveries/new/",
        {
            "method": "manual",
            "targets": [petition.targets.get().pk],
            "delivered_on": timezone.localdate().isoformat(),
        },
    )
    assert delivered.status_code == 302, delivered.content[:500]
    run_tasks()
    response_record(
        letter=petition,
        response=Response(
            target=petition.targets.get(),
            responded_on=timezone.localdate(),
            text="We will consider it.",
            source_url="https://northwind.example/answer",
        ),
        by=organiser,
    )
    return [petition, academic_letter, workers_letter]


def get_paths(letters: list[Letter]) -> list[tuple[str, bool]]:
    """Every GET path of the schema, on every letter (a list one entry a page), and
    whether it needs a token."""
    paths = []
    for template, methods in api.get_openapi_schema()["paths"].items():
        operation = methods.get("get")
        if operation is None:
            continue
        secured = bool(operation.get("security"))
        query = {parameter["name"] for parameter in operation.get("parameters", [])}
        template += "?per_page=1" if "per_page" in query else ""
        if "{slug}" in template:
            paths += [(template.replace("{slug}", letter.slug), secured) for letter in letters]
        else:
            assert "{" not in template, f"{template}: a path parameter this test cannot fill"
            paths.append((template, secured))
    return paths


def text_of(response: Any) -> str:
    """What the answer says, whatever its form: JSON, CSV, or a workbook's XML."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as workbook:
            return "\n".join(workbook.read(name).decode() for name in workbook.namelist())
    return body.decode("utf-8-sig")


def answers(path: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    """The answer at `path` and, for a list, every page after it."""
    found = []
    while path:
        response = Client().get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)
        text = text_of(response)
        found.append((path, text))
        data = json.loads(text) if response["Content-Type"].startswith("application/json") else {}
        following = data.get("_links", {}).get("next") if isinstance(data, dict) else None
        path = local(following["href"]) if following else ""
    return found


def test_no_api_answer_holds_an_address_or_a_hidden_name(
    everything: list[Letter], secret: str
) -> None:
    seen: list[tuple[str, str]] = []
    for path, secured in get_paths(everything):
        for headers in [bearer(secret)] if secured else [{}, bearer(secret)]:
            seen += answers(path, headers)

    assert len(seen) > 40
    for where, text in seen:
        assert ADDRESS.search(text) is None, (where, ADDRESS.search(text))
        assert MARK not in text, where
        for hidden in HIDDEN:
            assert hidden.casefold() not in text.casefold(), (where, hidden)
    # It did see the signatories, as they chose to be shown.
    everywhere = "\n".join(text for _where, text in seen)
    for shown in SHOWN:
        assert shown in everywhere, shown
    assert "Logistics" in everywhere and "We will consider it." in everywhere
