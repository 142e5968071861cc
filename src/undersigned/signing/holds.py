"""A moderator's writes: holding a suspect signature off the count, clearing it back on,
or invalidating it for good, one signature at a time or many of one letter at once. Each
is a change of state with its event; none deletes."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from .counts import count_forget
from .events import event_record, events_record
from .models import EventKind, Signature, SignatureEvent, State

# From which states each change may start, and where it leaves the signature.
CHANGES = {
    EventKind.HELD: ((State.COUNTED,), State.HELD),
    EventKind.CLEARED: ((State.HELD,), State.COUNTED),
    EventKind.INVALIDATED: ((State.COUNTED, State.HELD), State.INVALIDATED),
}
# Signatures read, locked and changed per statement in a bulk change: well below the
# number of parameters SQLite takes in one statement.
CHUNK = 500


def signature_hold(*, signature_id: int) -> Signature:
    """Take a confirmed signature off every count until a moderator clears it."""
    return _signature_move(signature_id, EventKind.HELD)


def signature_clear(*, signature_id: int) -> Signature:
    """Count a held signature again."""
    return _signature_move(signature_id, EventKind.CLEARED)


def signature_invalidate(*, signature_id: int) -> Signature:
    """Take a signature off for good, keeping it for the record."""
    return _signature_move(signature_id, EventKind.INVALIDATED)


def _signature_move(signature_id: int, kind: EventKind) -> Signature:
    starts, end = CHANGES[kind]
    with transaction.atomic():
        signature = Signature.objects.select_for_update().filter(pk=signature_id).first()
        if signature is None:
            raise ValidationError(_("This signature was withdrawn."), code="withdrawn")
        if signature.state not in starts:
            raise ValidationError(
                # Translators: "A signature that is counted cannot be cleared."
                _("A signature that is %(state)s cannot be %(change)s.")
                % {"state": signature.get_state_display().lower(), "change": kind.label.lower()},
                code="state",
            )
        was_counted = signature.is_counted
        signature.state = end
        signature.save(update_fields=["state"])
        event_record(signature, kind, counted=int(signature.is_counted) - int(was_counted))
        transaction.on_commit(lambda: count_forget(signature.letter_id))
    return signature


@dataclass(frozen=True)
class Moved:
    """One signature a bulk change moved: the state it had, and the event that moved it."""

    signature_id: int
    was: State
    event_id: int


def signatures_move(
    *, letter_id: int, signature_ids: Sequence[int], kind: EventKind
) -> list[Moved]:
    """Hold or invalidate many signatures of one letter in one transaction: those of them
    still in a state the change may start from, each with its event, the count moved once
    per shard (events.events_record) and its cache dropped once.

    The rows are locked in id order, so two bulk changes never wait on each other in a
    circle, and a withdrawal or a single change racing this one waits for it and then
    finds the state it left. Signatures in another state, or gone, are left out of what is
    returned: a caller that promised a number compares it and rolls back if it differs.
    """
    starts, end = CHANGES[kind]
    if kind == EventKind.CLEARED:
        raise ValueError("Held signatures are put back with signatures_restore.")
    with transaction.atomic():
        rows = _locked(letter_id, signature_ids, starts)
        _states_set(rows, end)
        events = events_record(
            letter_id, [(row, kind, _delta(State(row.state), end)) for row in rows]
        )
        transaction.on_commit(lambda: count_forget(letter_id))
    return [
        Moved(row.pk, State(row.state), event.pk) for row, event in zip(rows, events, strict=True)
    ]


def signatures_restore(*, letter_id: int, moved: Sequence[Moved], now: State) -> list[Moved]:
    """Undo a bulk change: put each signature back in the state it had, where it is still
    in the state `now` the change left it in and that change is still its last event (so
    nobody cleared, held or invalidated it since). Returns those put back."""
    kind = EventKind.RESTORED if now == State.INVALIDATED else EventKind.CLEARED
    wanted = {entry.signature_id: entry for entry in moved}
    with transaction.atomic():
        rows = _locked(letter_id, list(wanted), (now,))
        last = _last_events([row.pk for row in rows])
        rows = [row for row in rows if last.get(row.pk) == wanted[row.pk].event_id]
        changes = []
        for row in rows:
            was = wanted[row.pk].was
            changes.append((row, kind, _delta(now, was)))
            row.state = was
        for state in {wanted[row.pk].was for row in rows}:
            _states_set([row for row in rows if row.state == state], state)
        events_record(letter_id, changes)
        transaction.on_commit(lambda: count_forget(letter_id))
    return [wanted[row.pk] for row in rows]


def _locked(
    letter_id: int, signature_ids: Sequence[int], states: Sequence[State]
) -> list[Signature]:
    """The letter's signatures among these ids that are in one of `states`, locked, in id
    order, with what an event needs of them."""
    rows: list[Signature] = []
    for chunk in _chunks(sorted(set(signature_ids))):
        rows += (
            Signature.objects.select_for_update()
            .filter(letter_id=letter_id, pk__in=chunk, state__in=states)
            .only("pk", "letter_id", "letter_version_id", "level", "state")
            .order_by("pk")
        )
    return rows


def _states_set(rows: Sequence[Signature], end: State) -> None:
    for chunk in _chunks([row.pk for row in rows]):
        Signature.objects.filter(pk__in=chunk).update(state=end)


def _last_events(signature_ids: Sequence[int]) -> dict[int, int]:
    last: dict[int, int] = {}
    for chunk in _chunks(signature_ids):
        events = SignatureEvent.objects.filter(signature_id__in=chunk)
        last.update(events.values_list("signature_id").annotate(last=Max("pk")))
    return last


def _delta(was: State, now: State) -> int:
    return int(now == State.COUNTED) - int(was == State.COUNTED)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
