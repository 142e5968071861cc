"""Signature events: every change of a signature's state, and the count moving with it.

The count and the events change together here and nowhere else, inside the transaction
that changes the signature, so the count can always be proven from the events.
"""

from collections.abc import Sequence

from django.db import transaction

from .counts import LetterCount, count_add_many
from .models import EventKind, Level, Signature, SignatureEvent


def event_record(signature: Signature, kind: EventKind, *, counted: int) -> SignatureEvent:
    """Append one event; `counted` is +1 where the signature now counts, -1 where it no
    longer does, and 0 where the count does not change."""
    [event] = events_record(signature.letter_id, [(signature, kind, counted)])
    return event


def events_record(
    letter_id: int, changes: Sequence[tuple[Signature, EventKind, int]]
) -> list[SignatureEvent]:
    """Append the events of many signatures of one letter, moving its count once per shard."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Signature events are written in the transaction that changes them.")
    events = [
        SignatureEvent(
            letter_id=letter_id,
            signature_id=signature.pk,
            letter_version_id=signature.letter_version_id,
            kind=kind,
            level=signature.level,
            total_delta=counted,
            verified_delta=counted if signature.level == Level.VERIFIED else 0,
        )
        for signature, kind, counted in changes
    ]
    count_add_many(
        letter_id=letter_id,
        changes=[
            (event.signature_id, LetterCount(event.total_delta, event.verified_delta))
            for event in events
            if event.total_delta
        ],
    )
    return SignatureEvent.objects.bulk_create(events)
