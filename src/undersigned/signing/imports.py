"""Signatures that arrive with a letter moved from another undersigned instance
(api/transfer.py): counted, each at the level it had there, holding no address."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F

from undersigned.letters.models import Display, Letter, LetterVersion

from .counts import LetterCount
from .events import events_record
from .models import CommentState, EventKind, Level, Signature, State, name_as_kept

# The `?source=` tag an imported signature carries: the organisers' numbers count them
# apart from those signed here.
IMPORT_SOURCE = "import"
# The levels a counted signature may have: any but pending, whatever levels there are.
IMPORTABLE_LEVELS = frozenset(Level.values) - {Level.PENDING}
# An imported signature's email key starts so: a keyed hash of an address is 64 hex
# digits, so no address signing here can ever have the key of an imported signature.
KEY_PREFIX = "import-"


@dataclass(frozen=True)
class Imported:
    """A counted signature as the instance it comes from showed it to its organisers."""

    letter_version: LetterVersion
    level: str
    display: str
    confirmed_at: datetime
    name: str = ""
    institution: str = ""
    affiliation: str = ""
    title: str = ""
    department: str = ""
    location: str = ""
    country: str = ""
    postal_code: str = ""
    comment: str = ""


def signatures_import(*, letter: Letter, signatures: Sequence[Imported]) -> LetterCount:
    """Record signatures brought from another instance as counted, each at its level, with
    their events and the count moving with them, in one transaction (the caller's, where
    there is one); what they added to the count is returned.

    They bring no address: each gets an email key no address can have, and no contact,
    consent or network hash. A name is kept no more than it is shown (an anonymous
    signer's not at all), and a comment shows, as it did where it comes from. Their
    creation is their confirmation, so the fraud tables see them when they were signed.
    """
    rows = [_signature(letter, entry) for entry in signatures]
    with transaction.atomic():
        Signature.objects.bulk_create(rows)
        Signature.objects.filter(pk__in=[row.pk for row in rows]).update(
            created_at=F("confirmed_at")
        )
        events_record(letter.pk, [(row, _event_kind(row), 1) for row in rows])
    verified = sum(1 for row in rows if row.level == Level.VERIFIED)
    return LetterCount(len(rows), verified)


def _signature(letter: Letter, entry: Imported) -> Signature:
    if entry.level not in IMPORTABLE_LEVELS:
        raise ValueError(f"A counted signature cannot be {entry.level!r}.")
    if entry.display not in Display.values:
        raise ValueError(f"No such way to show a name: {entry.display!r}.")
    return Signature(
        letter=letter,
        letter_version=entry.letter_version,
        name=name_as_kept(entry.name, entry.display),
        email_key=KEY_PREFIX + uuid.uuid4().hex,
        display=entry.display,
        language=entry.letter_version.language or letter.language,
        source=IMPORT_SOURCE,
        level=entry.level,
        state=State.COUNTED,
        confirmed_at=entry.confirmed_at,
        institution=entry.institution,
        affiliation=entry.affiliation,
        title=entry.title,
        department=entry.department,
        location=entry.location,
        country=entry.country,
        postal_code=entry.postal_code,
        comment=entry.comment,
        comment_state=CommentState.SHOWN if entry.comment else CommentState.NONE,
    )


def _event_kind(signature: Signature) -> EventKind:
    """The event that counts a signature at its level names the level: confirmed, verified,
    or entered from paper."""
    if signature.level in EventKind.values:
        return EventKind(signature.level)
    return EventKind.CONFIRMED
