"""The organiser's XLSX export: the CSV's rows in a workbook, for the same members, every
cell text that never runs as a formula, never an address or a hidden name."""

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from django.test import Client

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, FieldRule, Letter
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing import export
from undersigned.signing.models import Signature
from undersigned.signing.signatures import SignatureInput, signature_create

ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
HIDDEN = ("Ingrid", "Quennell", "Anouk", "Vreeswijk", "Keeper of Owls", "secret", "Pendle")


def download(letter: Letter, user: User | None, kind: str = "xlsx") -> tuple[int, bytes]:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(f"/dashboard/letters/{letter.slug}/signatures.{kind}")
    if response.status_code != 200:
        return response.status_code, b""
    return 200, response.getvalue()


def sheet_rows(body: bytes) -> list[list[str]]:
    """Every row of every sheet, headers included, as the text of each cell."""
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [
        ["" if value is None else value for value in row]
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]


def xml_text(body: bytes) -> str:
    """All the workbook's parts as text: whatever a reader could find in it."""
    with zipfile.ZipFile(io.BytesIO(body)) as parts:
        return "\n".join(parts.read(name).decode() for name in parts.namelist())


@pytest.fixture
def supporters(organisation: Organisation) -> Letter:
    """A petition anyone may sign, signed in full, as initials and anonymously."""
    letter = make_letter(
        organisation,
        slug="supporters",
        ask_affiliation=FieldRule.OPTIONAL,
        ask_title=FieldRule.OPTIONAL,
        ask_postal_code=FieldRule.OPTIONAL,
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


def test_it_holds_the_same_rows_as_the_csv_export(supporters: Letter, organiser: User) -> None:
    status, body = download(supporters, organiser)
    csv_body = download(supporters, organiser, "csv")[1].decode("utf-8-sig")

    assert status == 200
    assert sheet_rows(body) == list(csv.reader(io.StringIO(csv_body)))
    assert [row[0] for row in sheet_rows(body)] == ["Name", "Suzie Signer", "I. Q.", "Anonymous"]


def test_it_is_an_attachment_named_after_the_letter(supporters: Letter, organiser: User) -> None:
    client = Client()
    client.force_login(organiser)

    response = client.get(f"/dashboard/letters/{supporters.slug}/signatures.xlsx")

    assert response["Content-Type"] == export.XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="supporters-signatures.xlsx"'
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_shows_an_anonymous_signer_as_anonymous_and_nothing_more(
    supporters: Letter, organiser: User
) -> None:
    headings, *rows = sheet_rows(download(supporters, organiser)[1])

    anouk = dict(zip(headings, rows[2], strict=True))
    assert anouk["Name"] == "Anonymous"
    assert anouk["Institution (verified)"] == "Stanford University"
    assert (anouk["Title"], anouk["Affiliation (claimed)"], anouk["Comment"]) == ("", "", "")


def test_it_holds_no_address_and_no_hidden_name_anywhere_in_the_workbook(
    supporters: Letter, organiser: User
) -> None:
    Signature.objects.filter(name="Suzie Signer").update(contact_email="suzie.home@example.net")

    text = xml_text(download(supporters, organiser)[1])

    assert "Suzie Signer" in text  # the search reads the cells
    assert ADDRESS.search(text) is None
    assert "x7" not in text and "suzie.home" not in text
    for hidden in HIDDEN:
        assert hidden not in text, hidden


def test_it_keeps_a_signers_text_from_running_as_a_formula(
    petition: Letter, organiser: User
) -> None:
    signed_and_confirmed(
        petition, "eve@example.org", '=HYPERLINK("http://evil.example")', comment="+1"
    )
    signed_and_confirmed(petition, "mal@example.org", "@SUM(A1:A2)", comment="-2")

    body = download(petition, organiser)[1]

    workbook = openpyxl.load_workbook(io.BytesIO(body))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    assert {cell.data_type for cell in cells} <= {"s", "n"}  # text, or empty; never "f"
    values = [cell.value for cell in cells]
    assert '\'=HYPERLINK("http://evil.example")' in values
    assert {"'+1", "'@SUM(A1:A2)", "'-2"} <= set(values)
    assert "<f>" not in xml_text(body)


def test_it_has_only_the_header_before_the_reveal_threshold(
    organisation: Organisation, organiser: User
) -> None:
    letter = make_letter(
        organisation, slug="guarded", eligibility=Eligibility.ACADEMIC, reveal_threshold=2
    )
    signed_and_confirmed(letter, "ada@stanford.edu", "Ada Lovelace")

    assert sheet_rows(download(letter, organiser)[1]) == [export.export_headings(letter)]

    signed_and_confirmed(letter, "alan@mit.edu", "Alan Turing")

    rows = sheet_rows(download(letter, organiser)[1])[1:]
    assert [row[0] for row in rows] == ["Ada Lovelace", "Alan Turing"]


def test_it_goes_on_in_another_sheet_when_one_is_full(
    supporters: Letter, organiser: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "SHEET_ROWS", 3)  # a header and two rows a sheet

    workbook = openpyxl.load_workbook(io.BytesIO(download(supporters, organiser)[1]))

    assert workbook.sheetnames == ["Signatures", "Signatures 2"]
    first, second = ([row[0].value for row in sheet.iter_rows()] for sheet in workbook)
    assert first == ["Name", "Suzie Signer", "I. Q."]
    assert second == ["Name", "Anonymous"]


def test_it_is_for_owners_only(supporters: Letter, organisation: Organisation) -> None:
    editor = User.objects.create_user("editor@campaign.example")
    Membership.objects.create(organisation=organisation, user=editor, role=Role.EDITOR)

    assert download(supporters, None)[0] == 302
    assert download(supporters, editor)[0] == 403


def test_it_is_linked_from_the_dashboard_beside_the_csv(
    supporters: Letter, organiser: User
) -> None:
    client = Client()
    client.force_login(organiser)

    body = client.get("/dashboard/").content.decode()

    assert f'href="/dashboard/letters/{supporters.slug}/signatures.xlsx"' in body
    assert "Export signatures (XLSX)" in body
