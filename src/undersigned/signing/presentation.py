"""How a signatory is shown: the one presenter behind every page, export and API.

Invariant 5 rests here: a name a signer hid is never in a Signatory, and neither is
anything that could single out an anonymous signer (their title, their comment). Which
signatures may be listed at all, before a reveal threshold, is decided with the count
(public_count.names_revealed); the order they are listed in is decided here.
"""

import datetime
from dataclasses import dataclass
from enum import Enum

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from undersigned.letters.models import Display, Eligibility, Letter

from .models import Level, Signature, SignatureQuerySet


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
    # What the address proved: "Verified · Stanford University", "Verified employee".
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

    @property
    def details(self) -> str:
        """What the signer chose to give beyond their name: "Professor · Engineering"."""
        return " · ".join(part for part in (self.title, self.department, self.location) if part)


def signatory(signature: Signature, audience: Audience = Audience.PUBLIC) -> Signatory:
    letter = signature.letter
    anonymous = signature.display == Display.ANONYMOUS
    verified = signature.level == Level.VERIFIED
    # Beyond the public view only on letters anyone may sign: academic and listed-domain
    # letters promise their signers that organisers see exactly what the public sees.
    more = audience == Audience.ORGANISERS and letter.eligibility == Eligibility.ANYONE
    # A date would tie an entry to a moment, which count steps exist to prevent.
    dated = more and not letter.count_step and signature.confirmed_at is not None
    return Signatory(
        name="Anonymous" if anonymous or not signature.name else signature.name,
        level=signature.get_level_display(),
        verified=verified,
        verification=_verification(signature) if verified else "",
        institution=signature.institution,
        claimed_affiliation="" if anonymous else _claimed(signature),
        # A title could single out an anonymous signer, so it shows only beside a name;
        # a team and a place are asked for as public facts and show for everyone.
        title="" if anonymous else signature.title,
        department=signature.department,
        location=signature.location,
        comment="" if anonymous else signature.comment,
        country=signature.country if more else "",
        postal_code=signature.postal_code if more else "",
        confirmed_on=timezone.localdate(signature.confirmed_at) if dated else None,
    )


def _verification(signature: Signature) -> str:
    return f"Verified · {signature.institution}" if signature.institution else "Verified employee"


def _claimed(signature: Signature) -> str:
    if signature.affiliation.casefold() == signature.institution.casefold():
        return ""
    return signature.affiliation


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
