"""The fonts a delivery PDF sets names in, each shipped by a package on PyPI: a fresh machine
has them with the other dependencies, with nothing from the system or fetched at run time.

Arimo sets Latin, Greek, Cyrillic and Hebrew, IBM Plex Sans Arabic sets Arabic (Persian and
Urdu letters too) and Noto Sans CJK JP sets Chinese, Japanese and Korean. docs/delivery-pdf.md
says why these three.
"""

import logging
import re
from typing import NamedTuple

import fontpkg
import noto_cjk_sans_jp_regular
from fpdf import FPDF
from fpdf.fonts import TTFFont

# Cutting Arimo's bold logs a dozen INFO lines per document.
logging.getLogger("fontTools").setLevel(logging.WARNING)

SANS = "arimo"
ARABIC = "plex-arabic"
CJK = "noto-cjk"
FALLBACKS = (SANS, ARABIC, CJK)

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")

# Text that sets one glyph per character, left to right: Latin, Greek and Cyrillic without
# combining marks, and CJK. Anything else (right-to-left text, combining marks, direction
# marks) goes through fpdf2's bidi and HarfBuzz, at some twenty times the cost a line.
_PLAIN = re.compile(
    "[\u0020-\u007e\u00a0-\u02ff\u0370-\u03ff\u0400-\u0482\u048a-\u052f\u1e00-\u1fff"
    "\u2010-\u2027\u2030-\u205e\u20a0-\u20cf\u2100-\u214f\u3000-\u3098\u309b-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]*"
)


def fonts_add(pdf: FPDF) -> None:
    """Register the fonts, each script falling back to the next font that has it."""
    upright = fontpkg.path("Arimo")
    italic = fontpkg.path("Arimo", style="italic")
    pdf.add_font(SANS, "", upright)
    # Arimo is a variable font: its bold is an instance fontTools cuts (about half a second).
    pdf.add_font(SANS, "B", upright, variations={"wght": 700.0})
    pdf.add_font(SANS, "I", italic)
    # Bold italic sets as italic: a second instance would cost as much again, for a style
    # a letter's body hardly uses.
    pdf.add_font(SANS, "BI", italic)
    # Arabic script has no italic: a comment in Arabic sets upright.
    for style, weight in (("", 400), ("I", 400), ("B", 700), ("BI", 700)):
        path = fontpkg.path("IBM Plex Sans Arabic", weight=weight)
        pdf.add_font(ARABIC, style, path)
    pdf.add_font(CJK, "", noto_cjk_sans_jp_regular.FONT_PATH)
    pdf.set_fallback_fonts(list(FALLBACKS), exact_match=False)


def family_for(text: str) -> str:
    """The font a run of text is set in. A run with Arabic is set in the Arabic font, its
    spaces included: with the spaces in the font of the words, a PDF reader extracts the
    words in reading order, and HarfBuzz shapes the run whole rather than word by word."""
    return ARABIC if _ARABIC.search(text) else SANS


def needs_shaping(text: str) -> bool:
    return _PLAIN.fullmatch(text) is None


class Run(NamedTuple):
    """Part of a line set in one font."""

    family: str
    style: str
    text: str
    width: float  # mm


def font_runs(pdf: FPDF, text: str) -> list[Run]:
    """`text` in runs of one font each, every character in the first of the current font
    and the fallbacks that has it, as fpdf2 picks them. A space stays in the run it is in,
    so that "王 秀英" is one run rather than three."""
    faces = [(pdf.font_family, pdf.font_style)] + [
        (family, pdf.font_style if family + pdf.font_style in pdf.fonts else "")
        for family in FALLBACKS
        if family != pdf.font_family
    ]
    fonts = [_ttf(pdf, family + style) for family, style in faces]
    main = fonts[0]
    runs: list[Run] = []
    chars: list[str] = []
    units = 0.0
    current = 0
    for character in text:
        code = ord(character)
        if not (character == " " and code in fonts[current].cmap):
            found = (
                0
                if code in main.cmap
                else next((number for number, font in enumerate(fonts) if code in font.cmap), 0)
            )
            if found != current and chars:
                runs.append(_run(pdf, faces[current], chars, units))
                chars, units = [], 0.0
            current = found
        chars.append(character)
        units += fonts[current].cw[code]
    if chars:
        runs.append(_run(pdf, faces[current], chars, units))
    return runs


def _run(pdf: FPDF, face: tuple[str, str], chars: list[str], units: float) -> Run:
    return Run(face[0], face[1], "".join(chars), units * pdf.font_size_pt / 1000 / pdf.k)


def _ttf(pdf: FPDF, key: str) -> TTFFont:
    font = pdf.fonts[key]
    assert isinstance(font, TTFFont)
    return font
