"""Countries as people type them, to ISO 3166-1 codes and back to names in the reader's
language, from pycountry (ISO's list and the iso-codes project's translations).

The sign form's country is free text, so "France", "france", "FR", "FRA", "Francia" and
"République française" must all be France. A name is compared without case, accents,
dots or a leading "the", against each country's codes, ISO names, common and official
names, the names in each of the site's languages (settings.LANGUAGES), and the short
forms ISO does not list (`ALIASES`). What matches nothing, or more than one country
("Korea", "Congo, The..."'s short form), matches none: the caller counts it as "Other".
"""

import functools
import gettext
import os
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import pycountry
from django.conf import settings
from django.utils import translation

# Short forms in common use that ISO's names and pycountry's common names do not give.
ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "america": "US",
    "united states of america": "US",
    "russia": "RU",
    "turkey": "TR",
    "south korea": "KR",
    "north korea": "KP",
    "holland": "NL",
    "ivory coast": "CI",
    "czech republic": "CZ",
    "vatican": "VA",
    "burma": "MM",
    "swaziland": "SZ",
    "macedonia": "MK",
    "cape verde": "CV",
    "east timor": "TL",
    "palestine": "PS",
    "laos": "LA",
    "syria": "SY",
}
PUNCTUATION = re.compile(r"[.'\u2019`]")  # dots and apostrophes, straight or curly
SPACES = re.compile(r"\s+")


def country_code(typed: str) -> str | None:
    """The alpha-2 code of the country a signer typed, or None if it names none for sure."""
    return _index().get(_normal(typed))


def country_name(code: str) -> str:
    """A country's short name in the language of the page ("Germany", "Alemania")."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return _translations(translation.get_language() or settings.LANGUAGE_CODE).gettext(
        getattr(country, "common_name", country.name)
    )


def code_of_numeric(numeric: str) -> str:
    """The alpha-2 code of an ISO numeric one ("250" → "FR"), "" if ISO has none."""
    country = pycountry.countries.get(numeric=numeric)
    return country.alpha_2 if country is not None else ""


def _normal(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = SPACES.sub(" ", PUNCTUATION.sub("", bare)).strip()
    return bare.removeprefix("the ")


@functools.cache
def _index() -> dict[str, str]:
    """Every normalised name and code of every country, to its alpha-2 code.

    Names in English win over those in the site's languages, and these over the other
    languages iso-codes translates into (where one translation may give a neighbour's
    name); within each, a country's own names win over their short forms ("Congo" is
    the Republic's). A name two countries share at one level says neither.
    """
    site = [code for code, _name in settings.LANGUAGES if not code.startswith("en")]
    others = sorted(
        set(os.listdir(pycountry.LOCALES_DIR)) - {translation.to_locale(code) for code in site}
    )
    index: dict[str, str] = {}
    for languages in (others, site, []):
        names = {country.alpha_2: _names(country, languages) for country in pycountry.countries}
        index |= _unambiguous(
            (code, form) for code, found in names.items() for name in found for form in _short(name)
        )
        index |= _unambiguous((code, name) for code, found in names.items() for name in found)
    return index | ALIASES


def _names(country: Any, languages: list[str]) -> set[str]:
    """A country's codes and names in English, or its names in `languages`."""
    fields = ("alpha_2", "alpha_3", "name", "common_name", "official_name")
    names = {getattr(country, field) for field in fields if getattr(country, field, "")}
    if not languages:
        return names
    return {_translations(language).gettext(name) for name in names for language in languages}


def _short(name: str) -> set[str]:
    """ISO writes "Korea, Republic of" and "Bolivia, Plurinational State of": the part
    before the comma, the two parts the other way round, and a name without its
    parenthesis are how people write them."""
    before, comma, after = name.partition(", ")
    forms = {name.partition(" (")[0]}
    if comma:
        forms |= {before, f"{after} {before}"}
    return forms - {name}


def _unambiguous(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for code, name in pairs:
        found.setdefault(_normal(name), set()).add(code)
    return {name: codes.pop() for name, codes in found.items() if len(codes) == 1 and name}


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1",
        pycountry.LOCALES_DIR,
        languages=[translation.to_locale(language)],
        fallback=True,
    )
