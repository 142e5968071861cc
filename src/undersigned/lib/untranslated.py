"""Find the words in templates that are not marked for translation.

A template's text, and the attributes people read (alt, title, placeholder, aria-label,
the value of a button), must sit inside `{% translate %}` or `{% blocktranslate %}`, or
come from a variable. `undersigned translations --check` and the test suite list whatever
is left; docs/translating.md says how to mark it.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

# Attributes a person reads or hears.
READ_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "label"}
# Elements whose content is not prose.
NOT_PROSE = {"script", "style", "code", "pre", "svg", "math"}
# Stands for a tag or variable in the text that is checked.
HOLE = "\x00"
# Opening and closing tags of a block whose contents are already translated, or ignored.
SKIPPED_BLOCKS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}
# Words: a letter of any script. A lone symbol, number or punctuation is not prose.
WORD = re.compile(r"[^\W\d_]{2,}")
# Template names that are not text for people: machine formats.
NOT_TEXT = re.compile(r"\.(json|xml|csv|js)$")


@dataclass(frozen=True)
class Untranslated:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r}"


def untranslated(template_dir: Path) -> Iterator[Untranslated]:
    """Every unmarked piece of prose in the templates under `template_dir`."""
    for path in sorted(template_dir.rglob("*")):
        if path.is_file() and not NOT_TEXT.search(path.name):
            name = str(path.relative_to(template_dir))
            yield from untranslated_in(name, path.read_text(encoding="utf-8"))


def untranslated_in(name: str, source: str) -> Iterator[Untranslated]:
    text, lines = _without_tags(source)
    if name.endswith(".html"):
        finder = _ProseFinder()
        finder.feed(text)
        finder.close()
        found = finder.found
    else:  # plain text, an email's body or subject: all of it is prose
        found = [(offset, piece) for offset, piece in _pieces(text)]
    for offset, piece in found:
        if _broken_tag(piece):
            continue  # a tag whose name a template tag chooses, which the parser reads as text
        if WORD.search(piece.replace(HOLE, " ")):
            yield Untranslated(name, lines[min(offset, len(lines) - 1)], _tidy(piece))


def _without_tags(source: str) -> tuple[str, list[int]]:
    """The template's text with each tag, variable and translated block turned into a hole,
    and for each character of it the template line it came from."""
    out: list[str] = []
    lines: list[int] = []
    skipping: str | None = None
    for token in Lexer(source).tokenize():
        if skipping:
            if token.token_type is TokenType.BLOCK and token.contents.split()[0] == skipping:
                skipping = None
            continue
        if token.token_type is TokenType.TEXT:
            piece = token.contents
            line = token.lineno or 1
            for char in piece:
                out.append(char)
                lines.append(line)
                if char == "\n":
                    line += 1
            continue
        if token.token_type is TokenType.BLOCK:
            first = token.contents.split()[0] if token.contents.split() else ""
            if first in SKIPPED_BLOCKS:
                skipping = SKIPPED_BLOCKS[first]
        if token.token_type is not TokenType.COMMENT:
            out.append(HOLE)
            lines.append(token.lineno or 1)
    return "".join(out), lines or [1]


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for piece in text.split(HOLE):
        yield offset, piece
        offset += len(piece) + 1


def _broken_tag(piece: str) -> bool:
    return bool(re.search(r"<\w|=\"", piece))


def _tidy(piece: str) -> str:
    return " ".join(piece.replace(HOLE, "…").split())[:80]


class _ProseFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._not_prose = 0
        self._offsets = [0]

    def feed(self, data: str) -> None:
        # Line and column back to an offset in `data`, to name the template's line.
        self._data = data
        self._line_starts = [0] + [i + 1 for i, c in enumerate(data) if c == "\n"]
        super().feed(data)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in NOT_PROSE:
            self._not_prose += 1
        self._attributes(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attributes(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in NOT_PROSE and self._not_prose:
            self._not_prose -= 1

    def handle_data(self, data: str) -> None:
        if not self._not_prose and data.strip():
            self.found.append((self._offset(), data))

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = dict(attrs).get("type") or ""
        for name, value in attrs:
            read = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and kind in {"submit", "button", "reset"}
            )
            if read and value:
                self.found.append((self._offset(), value))
