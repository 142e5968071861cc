"""The organiser's CSV export: members only, what the public sees, never an address or a
hidden name (invariants 4 and 5)."""

import csv
import io
import re

import pytest
from django.test import Client

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, FieldRule, Letter
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing.models import Signature
from undersigned.signing.signatures import SignatureInput, signature_create

ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
HEADER = (
    "Name,Verification,Institution (verified),Affiliation (claimed),Title,Department,"
    "Location,Country,Comment,Confirmed on"
)


def export(letter: Letter, user: User | None) -> tuple[int, str]:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(f"/dashboard/letters/{letter.slug}/signatures.csv")
    if response.status_code != 200:
        return response.status_code, response.get("Location", "")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{letter.slug}-signatures.csv"'
    return 200, b"".join(response.streaming_content).decode("utf-8-sig")


def rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def supporters(organisation: Organisation) -> Letter:
    """A petition anyone may sign, signed in full, as initials and anonymously."""
    letter = make_letter(
        organisation,
        slug="supporters",
        ask_affiliation=FieldRule.OPTIONAL,
        ask_title=FieldRule.OPTIONAL,
        ask_country=FieldRule.OPTIONAL,
        ask_comment=FieldRule.OPTIONAL,
    )
    common = {"country": "Ireland", "title": "Nurse", "comment": "Drop it."}
    signed_and_confirmed(
        letter, "suzie.x7@example.org", "Suzie Signer", affiliation="St Mary's", **common
    )
    signed_and_confirmed(
        letter, "ingrid.x7@example.org", "Ingrid Quennell", display="initials", **common
    )
    signed_and_confirmed(
        letter,
        "anouk.x7@stanford.edu",
        "Anouk Vreeswijk",
        display="anonymous",
        affiliation="Vreeswijk Lab",
        country="Netherlands",
        title="Keeper of Owls",
        comment="My secret reason.",
    )
    pending = SignatureInput(
        name="Pendle Oakhurst", email="pendle.x7@example.org", display="full", consent_updates=False
    )
    signature_create(letter=letter, data=pending)
    return letter


def test_it_sends_an_anonymous_visitor_to_sign_in(supporters: Letter) -> None:
    status, location = export(supporters, None)

    assert status == 302
    assert location == f"/accounts/login/?next=/dashboard/letters/{supporters.slug}/signatures.csv"


def test_it_does_not_reveal_a_letter_to_someone_outside_its_organisation(
    supporters: Letter,
) -> None:
    outsider = User.objects.create_user("mallory@elsewhere.example")
    organisation_create(name="Elsewhere", owner=outsider)

    assert export(supporters, outsider) == (404, "")


def test_it_lets_owners_export(supporters: Letter, organisation: Organisation) -> None:
    owner = User.objects.create_user("second-owner@campaign.example")
    Membership.objects.create(organisation=organisation, user=owner, role=Role.OWNER)

    status, body = export(supporters, owner)

    assert status == 200
    assert len(rows(body)) == 3


@pytest.mark.parametrize("role", [Role.EDITOR, Role.MODERATOR, Role.VIEWER])
def test_it_refuses_every_other_role(
    supporters: Letter, organisation: Organisation, role: Role
) -> None:
    member = User.objects.create_user(f"{role}@campaign.example")
    Membership.objects.create(organisation=organisation, user=member, role=role)

    status, body = export(supporters, member)

    assert (status, body) == (403, "")


def test_it_exports_what_the_public_sees_of_each_counted_signature(
    supporters: Letter, organiser: User
) -> None:
    body = export(supporters, organiser)[1]

    assert body.splitlines()[0] == HEADER
    suzie, ingrid, anouk = rows(body)
    assert list(suzie.values())[:9] == [
        "Suzie Signer",
        "Confirmed",
        "",
        "St Mary's",
        "Nurse",
        "",
        "",
        "Ireland",
        "Drop it.",
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", suzie["Confirmed on"])
    assert (ingrid["Name"], ingrid["Title"], ingrid["Comment"]) == ("I. Q.", "Nurse", "Drop it.")
    # An anonymous signer's title, claimed affiliation and comment are not public.
    assert anouk == {
        "Name": "Anonymous",
        "Verification": "Verified",
        "Institution (verified)": "Stanford University",
        "Affiliation (claimed)": "",
        "Title": "",
        "Department": "",
        "Location": "",
        "Country": "Netherlands",
        "Comment": "",
        "Confirmed on": anouk["Confirmed on"],
    }


def test_it_holds_no_address_and_no_hidden_name(supporters: Letter, organiser: User) -> None:
    Signature.objects.filter(name="Suzie Signer").update(contact_email="suzie.home@example.net")

    body = export(supporters, organiser)[1]

    assert ADDRESS.search(body) is None
    assert "x7" not in body and "suzie.home" not in body
    for hidden in ("Ingrid", "Quennell", "Anouk", "Vreeswijk", "Keeper of Owls", "secret"):
        assert hidden not in body, hidden
    assert "Pendle" not in body  # never confirmed, so never counted


def test_it_exports_only_public_facts_from_a_restricted_letter(
    workers_letter: Letter, organiser: User
) -> None:
    """Its signers were told organisers see exactly what the public sees."""
    workers_letter.ask_country = FieldRule.OPTIONAL
    workers_letter.save()
    signed_and_confirmed(
        workers_letter,
        "wren@northwind.example",
        "Wren Holloway",
        display="anonymous",
        department="Engineering",
        location="Seattle",
        country="United States",
    )

    [row] = rows(export(workers_letter, organiser)[1])

    assert list(row.values()) == [
        "Anonymous",
        "Verified",
        "",
        "",
        "",
        "Engineering",
        "Seattle",
        "",
        "",
        "",
    ]


def test_it_exports_only_the_header_before_the_reveal_threshold(
    organisation: Organisation, organiser: User
) -> None:
    letter = make_letter(
        organisation,
        slug="guarded",
        eligibility=Eligibility.ACADEMIC,
        reveal_threshold=2,
    )
    signed_and_confirmed(letter, "ada@stanford.edu", "Ada Lovelace")

    assert export(letter, organiser)[1] == HEADER + "\r\n"

    signed_and_confirmed(letter, "alan@mit.edu", "Alan Turing")

    assert [row["Name"] for row in rows(export(letter, organiser)[1])] == [
        "Ada Lovelace",
        "Alan Turing",
    ]


def test_it_leaves_dates_out_on_a_letter_counted_in_steps(
    supporters: Letter, organiser: User
) -> None:
    supporters.count_step = 10
    supporters.save()

    exported = rows(export(supporters, organiser)[1])

    assert [row["Name"] for row in exported] == ["Anonymous", "I. Q.", "Suzie Signer"]
    assert {row["Confirmed on"] for row in exported} == {""}


def test_it_keeps_a_signers_text_from_running_as_a_formula(
    petition: Letter, organiser: User
) -> None:
    signed_and_confirmed(
        petition, "eve@example.org", '=HYPERLINK("http://evil.example")', comment="+1"
    )

    [row] = rows(export(petition, organiser)[1])

    assert row["Name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["Comment"] == "'+1"


def test_it_is_linked_from_the_dashboard(supporters: Letter, organiser: User) -> None:
    client = Client()
    client.force_login(organiser)

    body = client.get("/dashboard/").content.decode()

    assert f'href="/dashboard/letters/{supporters.slug}/signatures.csv"' in body


def test_it_exports_the_postal_code_where_the_letter_asks_for_it(
    organisation: Organisation, organiser: User
) -> None:
    letter = make_letter(
        organisation,
        slug="local",
        ask_country=FieldRule.OPTIONAL,
        ask_postal_code=FieldRule.OPTIONAL,
    )
    signed_and_confirmed(letter, "pat.k2@example.org", "Pat Local", postal_code="E1 6AN")

    body = export(letter, organiser)[1]

    assert body.splitlines()[0].lstrip("\ufeff") == (
        "Name,Verification,Institution (verified),Affiliation (claimed),Title,Department,"
        "Location,Country,Postal code,Comment,Confirmed on"
    )
    [row] = rows(body)
    assert row["Postal code"] == "E1 6AN"
