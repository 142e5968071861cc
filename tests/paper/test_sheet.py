"""The sign-up sheet: a real PDF in the letter's language, its QR code leading to the
letter's page, numbered rows with the letter's columns, on as many pages as asked."""

import io
import re

import segno
from django.test import Client
from pypdf import PdfReader

from tests.conftest import make_letter
from tests.paper.conftest import paper_path
from undersigned.letters.models import FieldRule, Letter
from undersigned.organisations.models import Organisation, Role
from undersigned.paper.columns import Column
from undersigned.paper.sheet import Sheet, qr_runs, sheet_write


def sheet(client: Client, letter: Letter, pages: str = "") -> bytes:
    query = f"?pages={pages}" if pages else ""
    response = client.get(paper_path(letter.slug, f"sheet.pdf{query}"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def text_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_it_is_a_pdf_of_the_pages_asked_for(owner: Client, petition: Letter) -> None:
    data = sheet(owner, petition, pages="3")
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert len(PdfReader(io.BytesIO(data)).pages) == 3
    assert [re.search(r"Page \d of \d", page).group() for page in text_of(data)] == [
        "Page 1 of 3",
        "Page 2 of 3",
        "Page 3 of 3",
    ]


def test_it_prints_one_page_unless_asked_and_never_too_many(
    owner: Client, petition: Letter
) -> None:
    assert len(PdfReader(io.BytesIO(sheet(owner, petition))).pages) == 1
    assert len(PdfReader(io.BytesIO(sheet(owner, petition, pages="500"))).pages) == 20
    assert len(PdfReader(io.BytesIO(sheet(owner, petition, pages="nine"))).pages) == 1


def test_it_carries_the_letter_s_summary_and_its_address(owner: Client, petition: Letter) -> None:
    data = sheet(owner, petition)
    first = text_of(data)[0]
    assert "Drop the camera contract" in first
    assert "To: Dana Whitfield, CEO, Northwind Systems" in first
    assert "1. Withdraw from the contract." in first
    assert "2. Publish every such contract." in first
    url = "http://127.0.0.1:8000/letters/drop-the-contract/"
    assert url in first.replace("\n", "")
    # The QR code is a link to it too, for whoever opens the sheet on a screen.
    annotations = PdfReader(io.BytesIO(data)).pages[0]["/Annots"]
    assert [a.get_object()["/A"]["/URI"] for a in annotations] == [url]


def test_it_summarises_a_letter_without_demands_by_the_start_of_its_text(
    owner: Client, organisation: Organisation
) -> None:
    letter = make_letter(organisation, demands="", body="We ask **Northwind** to *stop*.")
    assert "We ask Northwind to stop." in text_of(sheet(owner, letter))[0]


def test_it_numbers_the_rows_on_from_page_to_page(owner: Client, petition: Letter) -> None:
    pages = text_of(sheet(owner, petition, pages="2"))
    first = [int(n) for n in re.findall(r"^(\d+)$", pages[0], re.MULTILINE)]
    second = [int(n) for n in re.findall(r"^(\d+)$", pages[1], re.MULTILINE)]
    assert first == list(range(1, len(first) + 1))
    assert second[0] == first[-1] + 1
    assert len(first) >= 8 and len(second) >= 12


def test_it_has_the_columns_the_letter_asks_for(owner: Client, organisation: Organisation) -> None:
    letter = make_letter(
        organisation,
        ask_postal_code=FieldRule.REQUIRED,
        ask_country=FieldRule.OFF,
        ask_comment=FieldRule.OFF,
        allow_anonymous=False,
    )
    page = text_of(sheet(owner, letter))[0]
    for column in ("Name", "Email", "Postal code", "Signature"):
        assert column in page
    for column in ("Country", "Comment", "Hide my name"):
        assert column not in page


def test_it_is_in_the_letter_s_language(owner: Client, organisation: Organisation) -> None:
    letter = make_letter(organisation, language="es", slug="carta")
    page = text_of(sheet(owner, letter))[0]
    assert "/es/letters/carta/" in page.replace("\n", "")


def test_it_lets_every_member_print_it(member, petition: Letter) -> None:  # type: ignore[no-untyped-def]
    assert sheet(member(Role.VIEWER), petition).startswith(b"%PDF-")


def test_it_is_no_business_of_anyone_outside(outsider: Client, petition: Letter) -> None:
    assert outsider.get(paper_path(petition.slug, "sheet.pdf")).status_code == 404


def test_it_draws_every_dark_module_of_the_qr_code() -> None:
    matrix = segno.make("http://127.0.0.1:8000/letters/drop-the-contract/", error="m").matrix
    drawn = [bytearray(len(row)) for row in matrix]
    for row, (start, length) in qr_runs(matrix):
        for column in range(start, start + length):
            drawn[row][column] = 1
    assert drawn == [bytearray(1 if dark else 0 for dark in row) for row in matrix]


def fonts_of(title: str) -> set[bytes]:
    letter = Sheet(
        title=title,
        organisation="Open Streets Alliance",
        targets=[],
        demands=[],
        excerpt="We ask.",
        url="http://127.0.0.1:8000/letters/a/",
        columns=[Column("name", "Name", required=True)],
        default_display="full",
        hides_names=False,
        pages=1,
    )
    out = io.BytesIO()
    sheet_write(letter, out)
    return set(re.findall(rb"/BaseFont /[A-Z]+\+([\w-]+)", out.getvalue()))


def test_it_sets_a_title_in_any_script_and_reads_the_cjk_font_only_for_it() -> None:
    assert b"NotoSansCJKJP" in fonts_of("王秀英的信")
    assert b"NotoSansCJKJP" not in fonts_of("Drop the camera contract")
