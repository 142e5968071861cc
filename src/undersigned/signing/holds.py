"""A moderator's writes: holding a suspect signature off the count, clearing it back on,
or invalidating it for good. Each is a change of state with its event; none deletes."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .counts import count_forget
from .events import event_record
from .models import EventKind, Signature, State

# From which states each change may start, and where it leaves the signature.
CHANGES = {
    EventKind.HELD: ((State.COUNTED,), State.HELD),
    EventKind.CLEARED: ((State.HELD,), State.COUNTED),
    EventKind.INVALIDATED: ((State.COUNTED, State.HELD), State.INVALIDATED),
}


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
            raise ValidationError("This signature was withdrawn.", code="withdrawn")
        if signature.state not in starts:
            raise ValidationError(
                f"A signature that is {signature.get_state_display().lower()} cannot be "
                f"{kind.label.lower()}.",
                code="state",
            )
        was_counted = signature.is_counted
        signature.state = end
        signature.save(update_fields=["state"])
        event_record(signature, kind, counted=int(signature.is_counted) - int(was_counted))
        transaction.on_commit(lambda: count_forget(signature.letter_id))
    return signature
