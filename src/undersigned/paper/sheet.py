"""The sign-up sheet: a PDF to print and take to a rally, in the letter's language.

Landscape A4 pages: on the first, the letter's title, targets and a summary (its demands,
or the start of its text) beside a QR code that opens the letter's page; on each, a line
for where and when it was signed, what signing on it means, and numbered empty rows with
the columns the letter's signing policy asks for, the same as the entry form's and the
CSV file's (columns.py), then a signature. fpdf2 sets it in the delivery PDF's fonts
(deliveries/fonts.py), in any script; segno makes the QR code, drawn as vector squares.
"""

import re
from dataclasses import dataclass
from typing import BinaryIO

import fontpkg
import noto_cjk_sans_jp_regular
import segno
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.fonts import TTFFont

from undersigned.deliveries.fonts import ARABIC, CJK, SANS, family_for, needs_shaping
from undersigned.deliveries.pdf import fitted
from undersigned.letters.models import Display, Letter
from undersigned.lib.markdown import render_markdown

from .columns import WEIGHTS, Column, default_display, hides_names, paper_columns

MARGIN = 12  # mm
ROW = 10  # mm: room to write a name by hand
HEAD_ROW = 11
NUMBER_WIDTH = 10
SIGNATURE_WIDTH = 42
QR_SIZE = 34
FOOTER = 8
GREY = (90, 90, 90)
SUMMARY_LINES = 6
MAX_PAGES = 20
# More of a letter's text than a summary of SUMMARY_LINES lines ever shows.
EXCERPT_CHARACTERS = 1500


@dataclass(frozen=True)
class Sheet:
    """What a sign-up sheet says, read from its letter (sheet_for)."""

    title: str
    organisation: str
    targets: list[str]
    demands: list[str]
    excerpt: str  # the start of the letter's text, where it has no demands
    url: str  # the letter's page, where the QR code leads
    columns: list[Column]
    default_display: str
    hides_names: bool
    pages: int

    def text(self) -> str:
        """All the sheet says of its letter, for the fonts it needs."""
        columns = " ".join(column.label for column in self.columns)
        parts = (self.title, self.organisation, *self.targets, *self.demands, columns)
        return " ".join((*parts, self.excerpt[:EXCERPT_CHARACTERS]))


def sheet_for(letter: Letter, *, url: str, pages: int) -> Sheet:
    return Sheet(
        title=letter.title,
        organisation=letter.organisation.name,
        targets=[str(target) for target in letter.targets.all()],
        demands=letter.demand_list,
        excerpt=_plain(letter.body)[:EXCERPT_CHARACTERS],
        url=url,
        columns=paper_columns(letter),
        default_display=default_display(letter),
        hides_names=hides_names(letter),
        pages=max(1, min(pages, MAX_PAGES)),
    )


def _plain(markdown: str) -> str:
    """The text of a letter's Markdown body, in one paragraph."""
    return re.sub(r"\s+", " ", strip_tags(render_markdown(markdown))).strip()


def sheet_write(sheet: Sheet, out: BinaryIO) -> None:
    """Write the sheet's PDF to a binary file object, in the active language."""
    pdf = SheetPdf(sheet)
    pdf.set_title(_("Sign-up sheet: %(title)s") % {"title": sheet.title})
    pdf.set_author(sheet.organisation)
    first = 1
    for page in range(sheet.pages):
        pdf.add_page()
        if page == 0:
            pdf.head()
        else:
            pdf.line_set(sheet.title, size=12, height=6)
        pdf.where_and_when()
        first = pdf.rows(first)
    pdf.output(out)


class SheetPdf(FPDF):
    def __init__(self, sheet: Sheet) -> None:
        super().__init__(orientation="landscape", format="A4")
        self.sheet = sheet
        self.set_margins(MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.fonts_add()
        self.set_font(SANS, size=10)

    def fonts_add(self) -> None:
        """The delivery PDF's fonts (deliveries/fonts.py), upright only, and the CJK one only
        where the sheet's text needs it: cutting Arimo's bold instance and reading the CJK
        font take seconds, too long for a page an organiser waits for."""
        self.add_font(SANS, "", fontpkg.path("Arimo"))
        self.add_font(ARABIC, "", fontpkg.path("IBM Plex Sans Arabic", weight=400))
        fallbacks = [SANS, ARABIC]
        text = self.sheet.text()
        covered = self._cmap(SANS).keys() | self._cmap(ARABIC).keys()
        if any(ord(character) not in covered for character in text):
            self.add_font(CJK, "", noto_cjk_sans_jp_regular.FONT_PATH)
            fallbacks.append(CJK)
        self.set_fallback_fonts(fallbacks, exact_match=False)

    def _cmap(self, family: str) -> dict[int, str]:
        font = self.fonts[family]
        assert isinstance(font, TTFFont)
        return font.cmap

    def footer(self) -> None:
        self.set_xy(self.l_margin, self.h - MARGIN - FOOTER + 3)
        self.set_text_color(*GREY)
        number = _("Page %(number)s of %(pages)s") % {
            "number": self.page_no(),
            "pages": self.sheet.pages,
        }
        self.text_font(number, size=8)
        width = self.get_string_width(number) + 4
        line = _("Sign-up sheet: %(title)s") % {"title": self.sheet.title}
        self.text_font(line, size=8)
        self.cell(self.epw - width, 4, fitted(self, line, self.epw - width))
        self.text_font(number, size=8)
        self.cell(width, 4, number, align=Align.R)
        self.set_text_color(0)

    def text_font(self, text: str, style: str = "", size: float = 10) -> None:
        """The font and the shaping `text` needs (deliveries/pdf.py sets text alike)."""
        self.set_font(family_for(text), style, size)
        shaping = needs_shaping(text)
        if shaping != bool(self.text_shaping):
            self.set_text_shaping(shaping)

    def line_set(
        self, text: str, *, style: str = "", size: float = 10, height: float = 5, width: float = 0
    ) -> None:
        """A paragraph, broken into lines where it is too wide."""
        self.text_font(text, style, size)
        self.set_x(self.l_margin)
        self.multi_cell(width or self.epw, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def head(self) -> None:
        """The letter beside its QR code."""
        sheet = self.sheet
        width = self.epw - QR_SIZE - 8
        top = self.y
        self.set_text_color(*GREY)
        self.line_set(
            _("A letter from %(organisation)s") % {"organisation": sheet.organisation},
            size=9,
            height=4.5,
            width=width,
        )
        self.set_text_color(0)
        self.line_set(sheet.title, size=18, height=8, width=width)
        if sheet.targets:
            to = _("To: %(targets)s") % {"targets": "; ".join(sheet.targets)}
            self.line_set(to, size=10, height=5, width=width)
        self.ln(1)
        self.summary(width)
        self.qr(self.l_margin + self.epw - QR_SIZE, top)
        self.set_y(max(self.y, top + QR_SIZE + 12))

    def summary(self, width: float) -> None:
        sheet = self.sheet
        if sheet.demands:
            self.line_set(_("Our demands"), size=10, height=5, width=width)
            text = "\n".join(
                f"{number}. {demand}" for number, demand in enumerate(sheet.demands, start=1)
            )
        else:
            text = sheet.excerpt
        self.text_font(text, size=10)
        lines = self.multi_cell(width, 5, text, dry_run=True, output=MethodReturnValue.LINES)
        assert isinstance(lines, list)
        if len(lines) > SUMMARY_LINES:
            lines = [
                *lines[: SUMMARY_LINES - 1],
                fitted(self, lines[SUMMARY_LINES - 1] + "…", width),
            ]
        for line in lines:
            self.line_set(line, size=10, height=5, width=width)

    def qr(self, x: float, y: float) -> None:
        """The QR code of the letter's address, as squares, with the address under it; a
        link too, for whoever opens the PDF on a screen."""
        matrix = segno.make(self.sheet.url, error="m").matrix
        module = QR_SIZE / len(matrix)
        self.set_fill_color(0)
        for row, (start, length) in qr_runs(matrix):
            self.rect(x + start * module, y + row * module, length * module, module, style="F")
        self.link(x, y, QR_SIZE, QR_SIZE, self.sheet.url)
        self.set_xy(x - 6, y + QR_SIZE + 1)
        self.set_text_color(*GREY)
        self.text_font(self.sheet.url, size=7)
        self.multi_cell(QR_SIZE + 12, 3, _("Sign online:") + " " + self.sheet.url, align=Align.C)
        self.set_text_color(0)

    def where_and_when(self) -> None:
        self.ln(2)
        line = _("Where and when: %(blank)s     Collected by: %(blank)s") % {"blank": "_" * 40}
        self.line_set(line, size=10, height=6)
        self.set_text_color(*GREY)
        self.line_set(self.privacy_note(), size=8, height=3.8)
        self.set_text_color(0)
        self.ln(2)

    def privacy_note(self) -> str:
        sheet = self.sheet
        shown = {
            Display.FULL: _("Your name is shown on the letter's page as you write it."),
            Display.INITIALS: _("Only the initials of your name are shown on the letter's page."),
            Display.ANONYMOUS: _("Your name is not shown on the letter's page."),
        }[Display(sheet.default_display)]
        parts = [shown]
        if sheet.hides_names:
            parts.append(_("Tick “Hide my name” and it is not shown at all."))
        parts.append(
            _(
                "Your email address is optional: it is used only so that nobody signs twice, "
                "never published and never used to write to you. Signatures on paper are "
                "counted and shown as “On paper”."
            )
        )
        return " ".join(parts)

    def widths(self) -> list[float]:
        """The width of each column: the number, the letter's columns, the signature."""
        free = self.epw - NUMBER_WIDTH - SIGNATURE_WIDTH
        weights = [WEIGHTS[column.key] for column in self.sheet.columns]
        return [
            NUMBER_WIDTH,
            *(free * weight / sum(weights) for weight in weights),
            SIGNATURE_WIDTH,
        ]

    def head_cell(self, x: float, y: float, width: float, label: str, optional: bool) -> None:
        """A column's name in at most two lines, and under it whether it is optional."""
        self.text_font(label, "", 8)
        lines = self.multi_cell(width - 2, 3.4, label, dry_run=True, output=MethodReturnValue.LINES)
        assert isinstance(lines, list)
        for number, line in enumerate(lines[:2]):
            self.set_xy(x + 1, y + 0.8 + number * 3.4)
            last = number == 1 and len(lines) > 2
            self.cell(width - 2, 3.4, fitted(self, line + "…", width - 2) if last else line)
        if optional:
            self.set_xy(x + 1, y + HEAD_ROW - 3.6)
            note = _("optional")
            self.text_font(note, size=7)
            self.set_text_color(*GREY)
            self.cell(width - 2, 3, note)
            self.set_text_color(0)

    def rows(self, first: int) -> int:
        """The head of the table and as many numbered rows as the page holds; the number
        the next page starts from."""
        widths = self.widths()
        heads = [("", False), *((c.label, _optional(c)) for c in self.sheet.columns)]
        heads.append((_("Signature"), False))
        self.set_draw_color(120)
        self.set_fill_color(235)
        y = self.y
        x = self.l_margin
        for (label, optional), width in zip(heads, widths, strict=True):
            self.rect(x, y, width, HEAD_ROW, style="DF")
            self.head_cell(x, y, width, label, optional)
            x += width
        y += HEAD_ROW
        bottom = self.h - MARGIN - FOOTER
        number = first
        while y + ROW <= bottom:
            x = self.l_margin
            for index, width in enumerate(widths):
                self.rect(x, y, width, ROW)
                if index == 0:
                    self.set_xy(x, y)
                    self.text_font(str(number), size=9)
                    self.set_text_color(*GREY)
                    self.cell(width - 1.5, ROW, str(number), align=Align.R)
                    self.set_text_color(0)
                x += width
            y += ROW
            number += 1
        self.set_y(y)
        return number


def _optional(column: Column) -> bool:
    """Said under a column's name: every column but the name may be left empty, and a box
    to tick goes without saying."""
    return not column.required and column.key != "hide_name"


def qr_runs(matrix: tuple[bytearray, ...] | list[bytearray]) -> list[tuple[int, tuple[int, int]]]:
    """The dark modules of a QR code, by row, in runs: (row, (first column, length)). One
    rectangle a run rather than a module: a quarter of the squares, and no seams."""
    runs = []
    for row, modules in enumerate(matrix):
        start = None
        for column, dark in enumerate([*modules, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append((row, (start, column - start)))
                start = None
    return runs
