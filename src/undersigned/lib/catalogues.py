"""The translation catalogues: made from the code and templates with GNU gettext's tools
through Django's makemessages, checked complete, compiled for the site to read.

`undersigned translations update` brings every language's catalogue up to date with the
code; `undersigned translations check` (run by the test suite, and so by CI) fails when a
template has unmarked words, a catalogue lacks a string of the code or leaves one
untranslated or fuzzy, or a compiled catalogue is older than its source.
docs/translating.md is the translator's guide.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import chdir
from dataclasses import dataclass
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command

from .untranslated import untranslated

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE = PACKAGE / "locale"
TEMPLATES = PACKAGE / "templates"
DOMAINS = ("django",)
# Not ours to translate, or not read by people.
IGNORED = ["migrations/*", "static/*", "locale/*", "management/*", "api/*"]


@dataclass(frozen=True)
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def gettext_available() -> bool:
    return all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgfmt"))


def languages() -> list[str]:
    """The languages that need a catalogue: all but the one the code is written in."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalogues_update(locale: Path = LOCALE, package: Path = PACKAGE) -> None:
    """Every language's catalogue made again from the code, keeping what is translated;
    then compiled."""
    with chdir(package):
        call_command(
            "makemessages",
            locale=languages(),
            ignore_patterns=IGNORED,
            no_obsolete=True,
            no_location=False,
            add_location="file",
            verbosity=0,
        )
    for language in languages():
        po = polib.pofile(str(_po(locale, language)))
        po.save_as_mofile(str(_po(locale, language).with_suffix(".mo")))


def catalogue_problems() -> Iterator[Problem]:
    """Everything that keeps the catalogues from being complete and current."""
    for found in untranslated(TEMPLATES):
        yield Problem(f"templates/{found.template}:{found.line}", f"not marked: {found.text!r}")
    for language in languages():
        yield from _problems_of(language)


def _problems_of(language: str) -> Iterator[Problem]:
    path = _po(LOCALE, language)
    if not path.exists():
        yield Problem(str(path), "missing: run `undersigned translations update`")
        return
    kept = polib.pofile(str(path))
    for entry in kept:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            yield Problem(f"{language}: {entry.msgid[:60]!r}", "fuzzy: check the translation")
        elif not entry.translated():
            yield Problem(f"{language}: {entry.msgid[:60]!r}", "not translated")
    fresh = {(e.msgctxt, e.msgid) for e in _extracted(language)}
    known = {(e.msgctxt, e.msgid) for e in kept if not e.obsolete}
    for _context, msgid in sorted(fresh - known, key=str):
        yield Problem(
            f"{language}: {msgid[:60]!r}", "new in the code: run `undersigned translations update`"
        )
    mo = path.with_suffix(".mo")
    if not mo.exists() or _compiled(kept) != _compiled(polib.mofile(str(mo))):
        yield Problem(
            str(mo), "not compiled from the catalogue: run `undersigned translations update`"
        )


def _extracted(language: str) -> list[polib.POEntry]:
    """The strings the code and templates hold now, extracted into a copy of the package."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "undersigned"
        shutil.copytree(
            PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo")
        )
        with chdir(copy):
            call_command(
                "makemessages",
                locale=[language],
                ignore_patterns=IGNORED,
                no_obsolete=True,
                verbosity=0,
            )
        return list(polib.pofile(str(_po(copy / "locale", language))))


def _compiled(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    """What a catalogue gives the site: each string's translations, where it has any (a
    compiled catalogue holds only those, and the header, which is left out here)."""
    return {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in catalogue
        if e.msgid
        and not e.obsolete
        and "fuzzy" not in e.flags
        and (e.msgstr or any(e.msgstr_plural.values()))
    }


def _po(locale: Path, language: str) -> Path:
    return locale / language / "LC_MESSAGES" / "django.po"
