"""The delivery PDF: names in every script, the letter as delivered, and nothing more than
the public signatures page shows. Pure unit tests of pdf_write: no database."""

import datetime
import html
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from django.template.loader import render_to_string
from fontTools.cffLib import CFFFontSet
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from fpdf.enums import TextDirection
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from undersigned.deliveries.pdf import (
    NAMES_HIDDEN,
    DeliveryDocument,
    bidi_runs,
    pdf_write,
    signatory_line,
)
from undersigned.signing.presentation import Signatory

NAMES = {
    "Latin": "Zoë Ñúñez-Åberg",
    "Greek": "Αλέξανδρος Παπαδόπουλος",
    "Cyrillic": "Юлия Кузнецова",
    "Arabic": "فاطمة الزهراء",
    "Hebrew": "נועה כהן",
    "Chinese": "王秀英",
    "Japanese": "佐藤 花子",
    "Korean": "김민준",
}
CJK = ("Chinese", "Japanese", "Korean")
HASH = "3f6c2a9d" * 8


def signatory(name: str, **fields: Any) -> Signatory:
    blank = dict.fromkeys(
        ("verification", "institution", "claimed_affiliation", "title", "department"), ""
    )
    return Signatory(
        **{"name": name, "level": "Confirmed", "verified": False, "location": "", "comment": ""}
        | blank
        | fields
    )


def document(**fields: Any) -> DeliveryDocument:
    letter = DeliveryDocument(
        title="Drop the camera contract",
        targets=["Satya Nadella, CEO, Microsoft", "Brad Smith, President, Microsoft"],
        organisation="Center for Media Justice",
        body="## Why we write\n\nWe ask you to *end* it, **now**. [Read more](https://example.org).\n\n"
        "- No cameras\n- No contract\n",
        demands=["End the contract.", "Publish its terms."],
        pledge="We will not work on it.",
        delivered_on=datetime.date(2026, 3, 3),
        version_number=3,
        version_hash=HASH,
        counts=[("Signatures", "2,739"), ("Verified", "1,204")],
        names_shown=True,
        groups=iter([("", (signatory(name) for name in NAMES.values()))]),
    )
    return replace(letter, **fields)


def written(letter: DeliveryDocument) -> bytes:
    out = io.BytesIO()
    pdf_write(letter, out)
    return out.getvalue()


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def without_spaces(text: str) -> str:
    return re.sub(r"[\s\x00]", "", text)


@pytest.fixture(scope="module")
def names_pdf() -> bytes:
    return written(document())


def test_it_prints_every_name_in_its_script(names_pdf: bytes) -> None:
    text = "\n".join(pages_text(names_pdf))
    for script, name in NAMES.items():
        if script in CJK:
            # pypdf reads the two-byte codes of Noto Sans CJK (a CID-keyed CFF font, which
            # fpdf2 encodes with an embedded CMap) through a one-byte standard encoding, as
            # it does not parse a CMap given as a font's /Encoding: the high byte of every
            # code comes out as a stray space or NUL. The characters and their order are
            # checked; the glyph test below checks the font maps each of them.
            assert without_spaces(name) in without_spaces(text), script
        else:
            # Arabic and Hebrew too: each right-to-left run is in one font, its spaces
            # included, so pypdf gives the words back in reading (logical) order.
            assert name in text.splitlines(), script


def test_it_embeds_a_glyph_that_draws_every_character_of_the_names(names_pdf: bytes) -> None:
    inked = characters_inked(names_pdf)
    for name in NAMES.values():
        for character in name.replace(" ", ""):
            assert inked.get(character) is True, (name, character)


def test_it_keeps_right_to_left_text_readable_in_reading_order() -> None:
    line = "محمد 2024 دفعة · Verified"
    assert bidi_runs(line) == [
        (" دفعة", TextDirection.RTL),
        ("2024", TextDirection.LTR),
        ("محمد ", TextDirection.RTL),
        (" · Verified", TextDirection.LTR),
    ]
    # "محمد · 2024" is one right-to-left run, read from the right: the number shows on
    # the left. pypdf reads a line from the left, giving back each Arabic word in order.
    text = pages_text(written(document(groups=[("", [signatory("محمد", department="2024")])])))
    assert "2024 · محمد" in text[-1].splitlines()


def test_it_shows_a_signatory_as_the_public_signatures_page_does() -> None:
    people = [
        signatory("Ana Ruiz"),
        signatory(
            "Zoë Ñúñez-Åberg",
            verified=True,
            verification="Verified · Stanford University",
            title="Professor",
            department="Engineering",
            location="Palo Alto",
            claimed_affiliation="Hoover Institution",
        ),
        signatory("נועה כהן", claimed_affiliation="Technion"),
    ]
    for person in people:
        page = render_to_string("letters/_signature.html", {"signatory": person})
        shown = re.search(r'<span class="line">(.*)</span>', page)
        assert shown and signatory_line(person) == html.unescape(shown[1])


def test_it_quotes_a_comment_beneath_its_signatory() -> None:
    people = [signatory("Ana Ruiz", comment="Because it matters.")]
    lines = pages_text(written(document(groups=[("", people)])))[-1].splitlines()
    at = lines.index("Ana Ruiz")
    assert lines[at + 1] == "“Because it matters.”"


def test_it_lists_groups_in_order_under_their_headings() -> None:
    groups = iter(
        [
            ("Stanford University", iter([signatory("Ana Ruiz"), signatory("Ben Okafor")])),
            ("ETH Zürich", iter([signatory("Chloé Meier")])),
            ("", iter([signatory("Dov Levi")])),
        ]
    )
    lines = "\n".join(pages_text(written(document(groups=groups)))).splitlines()
    order = ["Stanford University", "Ana Ruiz", "Ben Okafor", "ETH Zürich", "Chloé Meier"]
    assert [lines.index(line) for line in order] == sorted(lines.index(line) for line in order)
    assert lines[lines.index("Chloé Meier") + 1] == "Dov Levi"


def test_it_names_nobody_below_the_reveal_threshold() -> None:
    read = []

    def group() -> Iterator[Signatory]:
        read.append("group")
        yield from (signatory(name) for name in NAMES.values())

    hidden = document(names_shown=False, groups=iter([("Stanford University", group())]))
    text = without_spaces("\n".join(pages_text(written(hidden))))
    assert without_spaces(NAMES_HIDDEN) in text
    for name in [*NAMES.values(), "Stanford University"]:
        assert without_spaces(name) not in text
    assert read == []


def test_it_prints_the_letter_as_delivered() -> None:
    text = "\n".join(pages_text(written(document())))
    for shown in [
        "A letter from Center for Media Justice",
        "Drop the camera contract",
        "To: Satya Nadella, CEO, Microsoft",
        "Brad Smith, President, Microsoft",
        "Delivered on 3 March 2026",
        "Signatures: 2,739 · Verified: 1,204",
        "Letter version 3",
        f"SHA-256 {HASH}",
        "Our demands",
        "1. End the contract.",
        "2. Publish its terms.",
        "Why we write",
        "We ask you to end it, now. Read more.",
        "No cameras",
        "Our pledge",
        "We will not work on it.",
    ]:
        assert shown in text, shown


def test_it_marks_an_addendum_with_the_delivery_it_follows() -> None:
    text = pages_text(written(document(addendum_since=datetime.date(2026, 2, 1))))[0]
    assert "Addendum: signatures since the delivery of 1 February 2026" in text
    assert "Signatures since 1 February 2026" in text


def test_it_puts_the_hash_on_the_first_page_and_a_footer_on_every_page() -> None:
    people = (signatory(f"Signer {number}", comment="Yes." * (number % 3)) for number in range(300))
    pages = pages_text(written(document(groups=[("", people)])))
    assert len(pages) > 3
    assert HASH in pages[0]
    for number, text in enumerate(pages, start=1):
        assert text.rstrip().endswith(f"Drop the camera contract Page {number}")
    assert "Signer 299" in pages[-1]


def test_it_wraps_a_line_too_long_for_the_page() -> None:
    title = "Professor of Comparative Literature and of the History of Science and Technology"
    people = [signatory("فاطمة الزهراء", title=title, department="Digital Humanities")]
    text = pages_text(written(document(groups=[("", people)])))[-1]
    assert "فاطمة الزهراء" in text
    assert "Technology · Digital Humanities" in text.replace("\n", " ")


def characters_inked(data: bytes) -> dict[str, bool]:
    """Each character the PDF's fonts map a glyph to (by their ToUnicode maps), and whether
    every glyph mapped to it draws something: a missing glyph is .notdef or nothing at all."""
    inked: dict[str, bool] = {}
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for reference in page["/Resources"]["/Font"].values():
            fonts[reference.idnum] = reference.get_object()
    for font in fonts.values():
        for code, text in _to_unicode(font).items():
            ink = _draws(font, code)
            for character in text:
                inked[character] = inked.get(character, True) and ink
    return inked


def _to_unicode(font: DictionaryObject) -> dict[int, str]:
    cmap = font["/ToUnicode"].get_object().get_data()
    return {
        int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
        for code, text in re.findall(rb"<([0-9A-F]+)> <([0-9A-F]+)>", cmap)
    }


def _draws(font: DictionaryObject, code: int) -> bool:
    descendant = font["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    if "/FontFile2" in descriptor:  # TrueType: the code is a CID, mapped to a glyph id
        program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        gids = descendant["/CIDToGIDMap"].get_object().get_data()
        gid = int.from_bytes(gids[2 * code : 2 * code + 2], "big")
        glyphs = program.getGlyphSet()
        pen = BoundsPen(glyphs)
        glyphs[program.getGlyphName(gid)].draw(pen)
        return gid != 0 and pen.bounds is not None
    # CID-keyed CFF: the font's embedded CMap maps the code to a CID, a glyph "cid01234"
    cids = dict(re.findall(rb"<([0-9A-F]{4})> (\d+)", font["/Encoding"].get_object().get_data()))
    cid = int(cids[f"{code:04X}".encode()])
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(descriptor["/FontFile3"].get_object().get_data()), None)
    charstrings = cff[cff.fontNames[0]].CharStrings
    name = f"cid{cid:05d}"
    if cid == 0 or name not in charstrings:
        return False
    return charstrings[name].calcBounds(charstrings) is not None
