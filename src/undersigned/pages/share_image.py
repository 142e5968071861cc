"""The image a letter's card shows on other sites (og:image): 1200 by 630 pixels, drawn by
us with Pillow in the fonts the project ships (deliveries/fonts.py says which and why), so
that nothing is fetched and any script a title is written in shows.

It draws only what it is given (`ShareCard`): the organisation, the title, the count line
as the public sees it, and how far to the goal. pages/share.py decides what those are and
keeps what this makes.

Pillow and fontTools are imported when a card is first drawn, not with the page that links
to it: a web process that never draws one does not hold them.
"""

from __future__ import annotations

import functools
import io
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import fontpkg
import noto_cjk_sans_jp_regular

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
TEXT_WIDTH = WIDTH - 2 * MARGIN
# The site's light colours (static/css/site.css): ink, muted, accent, wash and line.
INK, MUTED, ACCENT, WASH, LINE = "#1a1a1a", "#555555", "#1d4ed8", "#f5f5f0", "#d4d4d4"
# The title's sizes, largest first: the first at which it fits the room it has is taken.
TITLE_SIZES = (76, 68, 60, 54, 48, 44)
COUNT_SIZES = (44, 38, 32)
LINE_SPACING = 1.18
# Where things go, from the top: the organisation, the title, the count (higher when a bar
# to the goal goes under it), and the band at the bottom with the site's name.
ORGANISATION_Y, TITLE_Y = 56, 112
COUNT_Y, COUNT_Y_ABOVE_BAR, BAR_Y = 466, 436, 510
BAND_Y = 550

# Each run of text is set in the first of these that has its characters: Arimo for Latin,
# Greek, Cyrillic and Hebrew, IBM Plex Sans Arabic, then Noto Sans CJK.
ARIMO, ARABIC, CJK = "arimo", "arabic", "cjk"
FALLBACKS = (ARIMO, ARABIC, CJK)

# Pillow's FreeType faces are not made to be shared by threads drawing at once; drawing is
# rare (once per count shown, per language), so one at a time.
_drawing = threading.Lock()


@dataclass(frozen=True)
class ShareCard:
    organisation_line: str  # "A letter from Open Streets Alliance"
    title: str
    count_line: str  # "2,739 signatures · 512 verified academics"
    goal_line: str  # "Goal: 5,000 signatures", or ""
    progress: int | None  # per cent of the goal, or None
    site_line: str  # "undersigned · letters.example"


def share_image_draw(card: ShareCard) -> bytes:
    """The card as a PNG."""
    from PIL import Image, ImageDraw

    with _drawing:
        image = Image.new("RGB", (WIDTH, HEIGHT), "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, WIDTH, 16), fill=ACCENT)
        _lines(
            draw, _fitted(card.organisation_line, (30, 26, 22))[1][:1], 30, MUTED, ORGANISATION_Y
        )
        count_y = COUNT_Y if card.progress is None else COUNT_Y_ABOVE_BAR
        size, lines = _title_fit(card.title, height=count_y - 24 - TITLE_Y)
        _lines(draw, lines, size, INK, TITLE_Y, bold=True)
        size, lines = _fitted(card.count_line, COUNT_SIZES, bold=True)
        _lines(draw, lines[:1], size, ACCENT, count_y, bold=True)
        if card.progress is not None:
            _progress(draw, card)
        draw.rectangle((0, BAND_Y, WIDTH, HEIGHT), fill=WASH)
        draw.line((0, BAND_Y, WIDTH, BAND_Y), fill=LINE, width=2)
        _lines(draw, [card.site_line], 28, MUTED, BAND_Y + 24)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def _fitted(text: str, sizes: tuple[int, ...], *, bold: bool = False) -> tuple[int, list[str]]:
    """The largest of `sizes` at which `text` takes one line, else the smallest."""
    for size in sizes:
        lines = _wrapped(text, size, bold=bold)
        if len(lines) <= 1:
            return size, lines
    return sizes[-1], _wrapped(text, sizes[-1], bold=bold)


def _title_fit(title: str, *, height: int) -> tuple[int, list[str]]:
    """The largest size at which the title fits in `height`; at the smallest, the lines
    that fit, the last one cut short with an ellipsis."""
    for size in TITLE_SIZES:
        lines = _wrapped(title, size, bold=True)
        if len(lines) * round(size * LINE_SPACING) <= height:
            return size, lines
    size = TITLE_SIZES[-1]
    lines = _wrapped(title, size, bold=True)[: max(1, height // round(size * LINE_SPACING))]
    last = lines[-1]
    while last and _width(last + "…", size, bold=True) > TEXT_WIDTH:
        last = last[:-1]
    lines[-1] = last.rstrip() + "…"
    return size, lines


def _progress(draw: ImageDraw.ImageDraw, card: ShareCard) -> None:
    """The bar to the goal, with the goal beside it."""
    goal_width = round(_width(card.goal_line, 28, bold=False))
    bar_width = TEXT_WIDTH - goal_width - 24
    draw.rounded_rectangle((MARGIN, BAR_Y, MARGIN + bar_width, BAR_Y + 18), radius=9, fill=LINE)
    done = round(bar_width * min(100, card.progress or 0) / 100)
    if done:
        end = MARGIN + max(done, 18)
        draw.rounded_rectangle((MARGIN, BAR_Y, end, BAR_Y + 18), radius=9, fill=ACCENT)
    goal_x = MARGIN + bar_width + 24
    _line(draw, card.goal_line, 28, MUTED, goal_x, BAR_Y - 8, bold=False)


def _lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    size: int,
    fill: str,
    y: int,
    *,
    bold: bool = False,
) -> None:
    """Draw `lines` from `y`, aligned as their script reads: a Hebrew or Arabic text to the
    right, every line of it."""
    right_to_left = _reads_right_to_left(" ".join(lines))
    for text in lines:
        width = round(_width(text, size, bold=bold))
        x = MARGIN + TEXT_WIDTH - width if right_to_left else MARGIN
        _line(draw, text, size, fill, x, y, bold=bold, right_to_left=right_to_left)
        y += round(size * LINE_SPACING)


def _line(
    draw: ImageDraw.ImageDraw,
    text: str,
    size: int,
    fill: str,
    x: int,
    y: int,
    *,
    bold: bool,
    right_to_left: bool = False,
) -> None:
    """One line from `x`, its top at `y`: every run on the baseline of the first font, so
    that a name in another script stands on the same line as the words around it."""
    runs = list(_runs(text))
    y += _font(ARIMO, size, bold).getmetrics()[0]
    if right_to_left:
        # Runs in other fonts (digits in Arabic text, say) stand to the left of the text
        # before them; the layout engine orders what is inside each run.
        x += sum(round(_font(family, size, bold).getlength(run)) for family, run in runs)
        for family, run in runs:
            font = _font(family, size, bold)
            x -= round(font.getlength(run))
            draw.text((x, y), run, font=font, fill=fill, anchor="ls")
        return
    for family, run in runs:
        font = _font(family, size, bold)
        draw.text((x, y), run, font=font, fill=fill, anchor="ls")
        x += round(font.getlength(run))


def _wrapped(text: str, size: int, *, bold: bool) -> list[str]:
    """`text` in lines no wider than the card's text: broken at spaces, and between any two
    characters of a script written without them."""
    lines: list[str] = []
    line = ""
    for token in _tokens(" ".join(text.split())):
        if line and _width(line + token.rstrip(), size, bold=bold) > TEXT_WIDTH:
            lines.append(line.rstrip())
            line = ""
        while _width(token.rstrip(), size, bold=bold) > TEXT_WIDTH and len(token) > 1:
            # A word wider than a line, a URL say: as much of it as fits, then the rest.
            cut = len(token) - 1
            while cut > 1 and _width(token[:cut], size, bold=bold) > TEXT_WIDTH:
                cut -= 1
            lines.append(token[:cut])
            token = token[cut:]
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


# A character of a script written without spaces between words: a line may break after it.
_WIDE = re.compile(
    "[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)


def _tokens(text: str) -> Iterator[str]:
    """Words with the spaces after them, and each character of a script without spaces."""
    word = ""
    for character in text:
        if _WIDE.match(character):
            if word:
                yield word
            word = ""
            yield character
        elif character == " ":
            word += character
            yield word
            word = ""
        else:
            word += character
    if word:
        yield word


def _width(text: str, size: int, *, bold: bool) -> float:
    return sum(_font(family, size, bold).getlength(run) for family, run in _runs(text))


def _runs(text: str) -> Iterator[tuple[str, str]]:
    """`text` in runs of one font each: each character in the first font that has it,
    except that a space, a digit or a mark stays in the run it follows if that font has it."""
    current = ""
    run = ""
    for character in text:
        code = ord(character)
        keeps = current and unicodedata.category(character)[0] not in "L" and code in _cmap(current)
        family = current if keeps else _family_for(code)
        if family != current and run:
            yield current, run
            run = ""
        current = family
        run += character
    if run:
        yield current, run


def _family_for(code: int) -> str:
    return next((family for family in FALLBACKS if code in _cmap(family)), ARIMO)


def _reads_right_to_left(text: str) -> bool:
    """Whether the first strongly directed character of `text` is right-to-left."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def _path(family: str, bold: bool) -> str:
    if family == ARABIC:
        return str(fontpkg.path("IBM Plex Sans Arabic", weight=700 if bold else 400))
    if family == CJK:
        return str(noto_cjk_sans_jp_regular.FONT_PATH)
    return str(fontpkg.path("Arimo"))


@functools.cache
def _cmap(family: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(_path(family, bold=False), lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.cache
def _font(family: str, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    font = ImageFont.truetype(_path(family, bold), size)
    if family == ARIMO and bold:
        font.set_variation_by_axes([700])  # Arimo is a variable font: its weight axis
    return font
