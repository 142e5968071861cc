"""The delivery PDF: the letter as it was delivered, and its signatories as the public sees
them (letters/_signature.html), in any script.

fpdf2 builds it: pure Python, installed from PyPI with nothing from the system, shaping
Arabic and Hebrew through HarfBuzz and embedding only the glyphs a document uses. The
signatories are read once, as they come; fpdf2 keeps the pages it has laid out in memory
until it writes the file, some 15-20 KB a page of 45 signatories (bench/delivery_pdf.py).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from fpdf import FPDF, FontFace, TextStyle
from fpdf.bidi import BidiCharacter, BidiParagraph
from fpdf.enums import Align, MethodReturnValue, TextDirection, XPos, YPos

from undersigned.lib.markdown import render_markdown
from undersigned.signing.presentation import Signatory

from .fonts import SANS, Run, family_for, font_runs, fonts_add, needs_shaping


@dataclass(frozen=True)
class DeliveryDocument:
    title: str
    targets: list[str]  # each already formatted: "Satya Nadella, CEO, Microsoft"
    organisation: str  # who delivers it
    body: str  # Markdown
    demands: list[str]
    pledge: str
    delivered_on: datetime.date
    version_number: int
    version_hash: str  # sha256 hex of the letter version delivered
    counts: list[tuple[str, str]]  # [("Signatures", "2,739"), ...], formatted as shown
    names_shown: bool  # False below a reveal threshold: no names at all
    # (heading, signatories) in order; heading "" means no heading. Read once, as they come.
    groups: Iterable[tuple[str, Iterable[Signatory]]]
    addendum_since: datetime.date | None = None


NAMES_HIDDEN = gettext_noop(
    "The signatories are not named: this letter shows names only once enough verified "
    "people have signed."
)

MARGIN = 20
LINE = 5.2  # mm, a signatory's line at 10 pt
COMMENT_LINE = 4.6  # at 9 pt
GREY = (90, 90, 90)
FOOTER_NUMBER = 25  # mm kept for "Page 1234"


def pdf_write(document: DeliveryDocument, out: BinaryIO) -> None:
    """Write the PDF to a binary file object."""
    pdf = DeliveryPdf(document.title)
    pdf.set_title(document.title)
    pdf.set_author(document.organisation)
    pdf.add_page()
    _head(pdf, document)
    _text(pdf, document)
    _signatories(pdf, document)
    pdf.output(out)


def signatory_line(signatory: Signatory) -> str:
    """A signatory's line exactly as the public signatures page prints it."""
    claimed = (
        _("%(affiliation)s (claimed)") % {"affiliation": signatory.claimed_affiliation}
        if signatory.claimed_affiliation
        else ""
    )
    parts = (signatory.verification, signatory.details, claimed)
    return signatory.name + "".join(f" · {part}" for part in parts if part)


def day(value: datetime.date) -> str:
    """A date as the letter's pages print it ("3 March 2026")."""
    return dateformat.format(value, "j F Y")


class DeliveryPdf(FPDF):
    """A4 pages with the letter's title and the page number at the foot of each."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.letter_title = title
        self.footer_title: str | None = None  # the title cut to fit, found once
        self.set_margins(MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        fonts_add(self)
        self.set_font(SANS, size=10)

    def footer(self) -> None:
        with self.local_context():
            self.set_xy(self.l_margin + self.c_margin, self.h - MARGIN + 6)
            self.set_text_color(*GREY)
            if self.footer_title is None:
                self.text_font(self.letter_title, size=8)
                self.footer_title = fitted(self, self.letter_title, self.epw - FOOTER_NUMBER)
            self.line_set(self.footer_title, "", 8, 4)
            self.set_x(self.w - self.r_margin - FOOTER_NUMBER)
            number = _("Page %(number)s") % {"number": self.page_no()}
            self.text_font(number, size=8)
            self.cell(FOOTER_NUMBER, 4, number, align=Align.R)

    def text_font(self, text: str, style: str = "", size: float = 10) -> None:
        """Set the font and the shaping that `text` needs, before it is measured or set."""
        self.set_font(family_for(text), style, size)
        self.shaping_for(text)

    def shaping_for(self, text: str) -> None:
        shaping = needs_shaping(text)
        if shaping and not self.text_shaping:
            # Left to right as the public page reads: a Hebrew name, then " · Verified".
            self.set_text_shaping(True, direction="ltr")
        elif not shaping and self.text_shaping:
            self.set_text_shaping(False)

    def line_write(
        self,
        text: str,
        *,
        style: str = "",
        size: float = 10,
        height: float = LINE,
        indent: float = 0,
    ) -> None:
        """One paragraph, broken into lines by fpdf2 where it is too wide for one."""
        self.text_font(text, style, size)
        width = self.epw - indent - 2 * self.c_margin
        runs = [] if "\n" in text else font_runs(self, text)
        if runs and self.fits(text, runs, width):
            self.line_start(height, indent)
            if self.text_shaping:
                self.shaped_write(text, style, size, height)
            else:
                self.runs_write(runs, height)
            self.ln(height)
            return
        self.set_x(self.l_margin + indent)
        lines = self.multi_cell(
            self.epw - indent, height, text, dry_run=True, output=MethodReturnValue.LINES
        )
        assert isinstance(lines, list)
        for line in lines:
            self.line_start(height, indent)
            self.line_set(line, style, size, height)
            self.ln(height)

    def fits(self, text: str, runs: list[Run], width: float) -> bool:
        """Whether `text` fits on one line, by the fonts' advance widths: exact for text that
        needs no shaping. Shaping narrows Arabic and kerns Latin a little, so a shaped line
        well short of the width fits; one near it is measured by fpdf2, which shapes it (at
        ten times the cost)."""
        estimate = sum(run.width for run in runs)
        if not self.text_shaping:
            return estimate <= width
        return estimate < 0.9 * width or self.get_string_width(text) <= width

    def line_start(self, height: float, indent: float) -> None:
        if self.will_page_break(height):
            self.add_page()
        self.set_x(self.l_margin + indent + self.c_margin)

    def line_set(self, line: str, style: str, size: float, height: float) -> None:
        """One line, from the current position."""
        self.text_font(line, style, size)
        if self.text_shaping:
            self.shaped_write(line, style, size, height)
        else:
            self.runs_write(font_runs(self, line), height)

    def runs_write(self, runs: list[Run], height: float) -> None:
        """Set text that needs no shaping run by run with `text()`, where `cell()` would set
        it: a signatory's line costs a twentieth of what it does through `cell()`, which
        splits the text into fragments again and lays each out for every feature a cell has."""
        family, style = self.font_family, self.font_style
        baseline = self.y + 0.5 * height + 0.3 * self.font_size
        for run in runs:
            if (run.family, run.style) != (self.font_family, self.font_style):
                self.set_font(run.family, run.style)
            self.text(self.x, baseline, run.text)
            self.x += run.width
        if (family, style) != (self.font_family, self.font_style):
            self.set_font(family, style)

    def shaped_write(self, text: str, style: str, size: float, height: float) -> None:
        """Set a line that needs shaping run by run, in the order the bidi algorithm shows
        them: only the runs that need it go through HarfBuzz and `cell()`; the rest, like
        " · Verified · Stanford University", go through `runs_write`."""
        margin, self.c_margin = self.c_margin, 0
        for run, direction in bidi_runs(text):
            self.set_font(family_for(run), style, size)
            if direction == TextDirection.LTR and not needs_shaping(run):
                self.runs_write(font_runs(self, run), height)
            else:
                self.set_text_shaping(True, direction=direction)
                self.cell(None, height, run, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.c_margin = margin
        self.set_text_shaping(True, direction=TextDirection.LTR)


def bidi_runs(text: str) -> list[tuple[str, TextDirection]]:
    """`text` in runs of one direction, in the order they show from left to right, each in
    reading order for HarfBuzz. fpdf2 orders a line's runs by their direction alone, which
    misplaces a number in Arabic text ("محمد 2024 دفعة"); the reordering its bidi algorithm
    does by embedding levels (rule L2) is right, and the runs are cut from that."""
    paragraph = BidiParagraph(text=text, base_direction=TextDirection.LTR, preserve_bn_chars=True)
    runs: list[list[BidiCharacter]] = []
    for character in paragraph.get_reordered_characters():
        level = character.embedding_level
        if runs and runs[-1][-1].embedding_level == level:
            step = -1 if level % 2 else 1
            if character.character_index == runs[-1][-1].character_index + step:
                runs[-1].append(character)
                continue
        runs.append([character])
    return [
        (
            "".join(c.character for c in (reversed(run) if run[0].embedding_level % 2 else run)),
            TextDirection.RTL if run[0].embedding_level % 2 else TextDirection.LTR,
        )
        for run in runs
    ]


def fitted(pdf: FPDF, text: str, width: float) -> str:
    """The text, cut short with an ellipsis if it is wider than `width`."""
    if pdf.get_string_width(text) + 2 * pdf.c_margin <= width:
        return text
    while text and pdf.get_string_width(text + "…") + 2 * pdf.c_margin > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _head(pdf: DeliveryPdf, document: DeliveryDocument) -> None:
    pdf.set_text_color(*GREY)
    from_line = _("A letter from %(organisation)s") % {"organisation": document.organisation}
    pdf.line_write(from_line, size=10)
    if document.addendum_since:
        since = _("Addendum: signatures since the delivery of %(day)s")
        pdf.line_write(since % {"day": day(document.addendum_since)}, size=10)
    pdf.set_text_color(0)
    pdf.ln(1)
    pdf.line_write(document.title, style="B", size=20, height=9)
    pdf.ln(2)
    to = _("To:") + " "
    for number, target in enumerate(document.targets):
        if number == 0:
            pdf.line_write(to + target)
        else:
            pdf.line_write(target, indent=pdf.get_string_width(to))
    pdf.line_write(_("Delivered on %(day)s") % {"day": day(document.delivered_on)})
    if document.counts:
        pdf.line_write(" · ".join(f"{label}: {value}" for label, value in document.counts))
    pdf.set_text_color(*GREY)
    version = _("Letter version %(number)s") % {"number": document.version_number}
    pdf.line_write(version, size=8, height=4)
    pdf.line_write(f"SHA-256 {document.version_hash}", size=8, height=4)
    pdf.set_text_color(0)
    _rule(pdf)


def _text(pdf: DeliveryPdf, document: DeliveryDocument) -> None:
    if document.demands:
        _heading(pdf, _("Our demands"))
        for number, demand in enumerate(document.demands, start=1):
            pdf.line_write(f"{number}. {demand}", size=11, height=5.6, indent=2)
        pdf.ln(3)
    if document.body.strip():
        pdf.set_font(SANS, size=11)
        pdf.shaping_for(document.body)
        pdf.write_html(render_markdown(document.body), **BODY_STYLE)
        pdf.ln(3)
    if document.pledge.strip():
        _heading(pdf, _("Our pledge"))
        pdf.line_write(document.pledge.strip(), size=11, height=5.6)


# How write_html sets the body: in the document's fonts, in black, with modest headings.
BODY_STYLE = {
    "font_family": SANS,
    "li_prefix_color": (0, 0, 0),
    "warn_on_tags_not_matching": False,
    "tag_styles": {
        "h2": TextStyle(font_family=SANS, font_style="B", font_size_pt=15, t_margin=5, b_margin=2),
        "h3": TextStyle(font_family=SANS, font_style="B", font_size_pt=13, t_margin=4, b_margin=2),
        "h4": TextStyle(font_family=SANS, font_style="B", font_size_pt=12, t_margin=4, b_margin=1),
        "h5": TextStyle(font_family=SANS, font_style="B", font_size_pt=11, t_margin=3, b_margin=1),
        "h6": TextStyle(font_family=SANS, font_style="B", font_size_pt=11, t_margin=3, b_margin=1),
        "blockquote": TextStyle(font_family=SANS, font_style="I", l_margin=8, t_margin=3),
        "pre": TextStyle(font_family=SANS, t_margin=3),
        "code": FontFace(family=SANS),
        "a": FontFace(color=(20, 60, 150), emphasis="UNDERLINE"),
    },
}


def _signatories(pdf: DeliveryPdf, document: DeliveryDocument) -> None:
    since = document.addendum_since
    if since:
        _heading(pdf, _("Signatures since %(day)s") % {"day": day(since)})
    else:
        _heading(pdf, _("Signatories"))
    if not document.names_shown:
        pdf.line_write(_(NAMES_HIDDEN))
        return
    listed = 0
    for heading, signatories in document.groups:
        if heading:
            _group_heading(pdf, heading)
        for signatory in signatories:
            if signatory.comment and pdf.will_page_break(LINE + COMMENT_LINE):
                pdf.add_page()  # a comment starts on its signatory's page
            pdf.line_write(signatory_line(signatory))
            if signatory.comment:
                pdf.set_text_color(*GREY)
                comment = f"“{signatory.comment}”"
                pdf.line_write(comment, style="I", size=9, height=COMMENT_LINE, indent=5)
                pdf.set_text_color(0)
            listed += 1
    if not listed:
        pdf.line_write(_("No signatures."))


def _heading(pdf: DeliveryPdf, text: str) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(2)
    pdf.line_write(text, style="B", size=14, height=7)
    pdf.ln(1)


def _group_heading(pdf: DeliveryPdf, text: str) -> None:
    """An institution's heading, kept on the page of its first signatories."""
    if pdf.will_page_break(7 + 3 * LINE):
        pdf.add_page()
    else:
        pdf.ln(2)
    pdf.line_write(text, style="B", size=11, height=6)


def _rule(pdf: DeliveryPdf) -> None:
    pdf.ln(3)
    pdf.set_draw_color(200)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(3)
