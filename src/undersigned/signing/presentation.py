"""How a signatory is shown: the one presenter behind every page, export and API.

Invariant 5 rests here: a name a signer hid is never in a Signatory, and neither is
anything that could single out an anonymous signer (their title, their comment). A comment
shows only once it is shown (CommentState.SHOWN): one waiting for a moderator, or hidden
by one, is in no Signatory for any audience. Which
signatures may be listed at all, before a reveal threshold, is decided with the count
(public_count.names_revealed); the order they are listed in is decided here.
"""

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from undersigned.letters.models import Display, Eligibility, Letter

from .models import CommentState, Level, Signature, SignatureQuerySet


class Audience(Enum):
    """Who a signatory is shown to. Targets see what the public sees."""

    PUBLIC = "public"
    # The letter's organisation, in its export: on a letter anyone may sign, also the
    # country, postal code and date the signer gave; elsewhere exactly what the public sees.
    ORGANISERS = "organisers"


@dataclass(frozen=True)
class Signatory:
    name: str
    level: str
    verified: bool
    # What the address proved: "Verified · Stanford University", "Verified employee"; or
    # "On paper" for a signature signed on a sheet, which proved nothing of the kind.
    verification: str
    institution: str
    # An institution the signer named that their address did not prove.
    claimed_affiliation: str
    title: str
    department: str
    location: str
    comment: str
    country: str = ""
    postal_code: str = ""
    confirmed_on: datetime.date | None = None
    # Signed on paper and entered by an organiser (Level.PAPER): never verified.
    paper: bool = False

    @property
    def details(self) -> str:
        """What the signer chose to give beyond their name: "Professor · Engineering"."""
        return " · ".join(part for part in (self.title, self.department, self.location) if part)


@dataclass(frozen=True)
class _Words:
    """The presenter's words in one language, translated once: get_level_display(), or a
    lazy label made a string, costs more than the rest of the presenter when an export
    shows a million signatories."""

    levels: dict[str, str]
    anonymous: str
    verified_at: str
    verified_employee: str


@functools.lru_cache(maxsize=len(settings.LANGUAGES) + 1)
def _words_in(language: str | None) -> _Words:
    with translation.override(language):
        return _Words(
            levels={value: str(label) for value, label in Level.choices},
            anonymous=_("Anonymous"),
            verified_at=_("Verified · %(institution)s"),
            verified_employee=_("Verified employee"),
        )


def signatory(
    signature: Signature, audience: Audience = Audience.PUBLIC, words: _Words | None = None
) -> Signatory:
    """How `signature`'s signer is shown to `audience`, in the active language (`words`
    in it, where the caller read them once for many)."""
    letter = signature.letter
    words = words or _words_in(translation.get_language())
    anonymous = signature.display == Display.ANONYMOUS
    verified = signature.level == Level.VERIFIED
    paper = signature.level == Level.PAPER
    on_paper = words.levels[Level.PAPER] if paper else ""
    # Beyond the public view only on letters anyone may sign: academic and listed-domain
    # letters promise their signers that organisers see exactly what the public sees.
    more = audience == Audience.ORGANISERS and letter.eligibility == Eligibility.ANYONE
    # A date would tie an entry to a moment, which count steps exist to prevent.
    dated = more and not letter.count_step and signature.confirmed_at is not None
    return Signatory(
        name=words.anonymous if anonymous or not signature.name else signature.name,
        level=words.levels.get(signature.level, signature.level),
        verified=verified,
        verification=_verification(signature, words) if verified else on_paper,
        institution=signature.institution,
        claimed_affiliation="" if anonymous else _claimed(signature),
        # A title could single out an anonymous signer, so it shows only beside a name;
        # a team and a place are asked for as public facts and show for everyone.
        title="" if anonymous else signature.title,
        department=signature.department,
        location=signature.location,
        comment=_comment(signature) if not anonymous else "",
        country=signature.country if more else "",
        postal_code=signature.postal_code if more else "",
        confirmed_on=timezone.localdate(signature.confirmed_at) if dated else None,
        paper=paper,
    )


def signatories(
    letter: Letter, signatures: Iterable[Signature], audience: Audience = Audience.PUBLIC
) -> Iterator[Signatory]:
    """The signatories of one letter's signatures, which are read without joining the
    letter to every row: a join makes the database build the whole ordered list first."""
    words = _words_in(translation.get_language())  # once, not per row: it costs 2 µs
    for signature in signatures:
        signature.letter = letter
        yield signatory(signature, audience, words)


# Marks that turn the direction of the text after them: the sign form refuses them, yet a
# comment kept from before it did, or typed in the admin, must not reverse its page's text.
DIRECTION_MARKS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def comment_text(signature: Signature) -> str:
    """A comment's text as any page shows it, whatever its state: the moderators' queue
    reads it before it is shown; everyone else reads it through `signatory`."""
    return DIRECTION_MARKS.sub("", signature.comment)


def _comment(signature: Signature) -> str:
    if signature.comment_state != CommentState.SHOWN:
        return ""
    return comment_text(signature)


def _verification(signature: Signature, words: _Words) -> str:
    if signature.institution:
        return words.verified_at % {"institution": signature.institution}
    return words.verified_employee


def _claimed(signature: Signature) -> str:
    """The affiliation the signer named, unless it names what their address proved: said
    once, verified, it reads as fact; beside the verified name it would read as doubt."""
    if signature.institution and names_institution(
        signature.affiliation, signature.institution, signature.email_domain
    ):
        return ""
    return signature.affiliation


# Words an abbreviation leaves out ("MIT": Massachusetts Institute of Technology), and words
# too general to name an institution on their own ("University" names none of them).
MINOR_WORDS = {"of", "the", "and", "for", "at", "in", "on", "de", "la", "le", "du", "der", "&"}
GENERAL_WORDS = MINOR_WORDS | {
    "university", "college", "institute", "school", "academy", "faculty", "department",
    "technology", "science", "sciences", "engineering", "research", "studies", "arts",
    "medicine", "medical", "state", "national", "federal", "polytechnic", "higher",
    "centre", "center", "laboratory", "lab",
}  # fmt: skip
# Labels of a domain that say nothing about the institution ("mit" is; "edu" is not).
DOMAIN_SUFFIXES = {"edu", "ac", "com", "org", "net", "gov", "uk", "us", "ca", "au", "de", "fr"}


@functools.lru_cache(maxsize=4096)  # a letter's signatories repeat a few affiliations
def names_institution(claim: str, institution: str, domain: str = "") -> bool:
    """Whether a claimed affiliation names this institution: its name, a whole part of its
    name ("Stanford"), its abbreviation ("MIT", "M.I.T."), or its domain's name ("UCL")."""
    said, name = _words(claim), _words(institution)
    if not said:
        return True
    if said == name:
        return True
    if not set(said) - GENERAL_WORDS:
        return False
    if _contains(name, said):
        return True
    letters = "".join(said)
    abbreviations = {
        "".join(word[0] for word in name if word not in MINOR_WORDS),
        "".join(word[0] for word in name),
    }
    labels = set(domain.split(".")) - DOMAIN_SUFFIXES
    return len(said) == 1 and (letters in abbreviations or letters in labels)


def _words(text: str) -> list[str]:
    """Lower case, without accents or dots: "ETH Zürich" and "eth zurich" say the same."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace(".", ""))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[^\w&]+", " ", plain).split()


def _contains(words: list[str], part: list[str]) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


BY_NAME = ("name", "institution", "department", "location", "title", "pk")


def listing_order(
    letter: Letter,
    signatures: SignatureQuerySet,
    *,
    by_institution: bool = False,
    oldest_first: bool = False,
) -> SignatureQuerySet:
    """Signatures in the order they are listed: newest first (or oldest first, for an
    export), grouped by institution if asked, and by name on letters with count steps,
    where the newest entry would point at the newest signer."""
    if by_institution:
        # Signatories without a verified institution come last, under a heading of their own.
        unverified = Case(
            When(institution="", then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        return signatures.annotate(unverified=unverified).order_by(
            "unverified", "institution", *BY_NAME
        )
    if letter.count_step:
        return signatures.order_by(*BY_NAME)
    if oldest_first:
        return signatures.order_by("confirmed_at", "pk")
    return signatures.newest_first()
