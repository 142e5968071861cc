"""A moderator's writes on a letter's signatures: many at once from a search, shown first
as a preview with its exact numbers, and undone; or one at a time. Each is audited in the
transaction that makes it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.letters.models import Letter
from undersigned.signing.holds import (
    CHANGES,
    CHUNK,
    Moved,
    signature_clear,
    signature_hold,
    signature_invalidate,
    signatures_move,
    signatures_restore,
)
from undersigned.signing.models import EventKind, Signature, SignatureQuerySet, State

from .models import InvalidatedSignature, Invalidation

# What a batch does to its signatures: the event it records, and its audit action.
MOVES = {
    State.INVALIDATED: (EventKind.INVALIDATED, "signatures.bulk_invalidate"),
    State.HELD: (EventKind.HELD, "signatures.bulk_hold"),
}


@dataclass(frozen=True)
class Preview:
    """What a batch would do: how many counted signatures it takes off the count, how
    many held ones it invalidates (none for a hold), and the newest signature it saw."""

    counted: int
    held: int
    last_id: int

    @property
    def total(self) -> int:
        return self.counted + self.held


def movable(signatures: SignatureQuerySet, state: State) -> SignatureQuerySet:
    """Those of the signatures a batch to `state` may move."""
    kind, _action = MOVES[state]
    starts, _end = CHANGES[kind]
    return signatures.filter(state__in=starts)


def invalidation_preview(signatures: SignatureQuerySet, *, state: State) -> Preview:
    chosen = movable(signatures, state).order_by()
    by_state = dict(chosen.values_list("state").annotate(n=Count("pk")))
    last_id = chosen.aggregate(last=Max("pk"))["last"] or 0
    return Preview(by_state.get(State.COUNTED, 0), by_state.get(State.HELD, 0), last_id)


def invalidation_make(
    *,
    letter: Letter,
    signatures: SignatureQuerySet,
    state: State,
    preview: Preview,
    query: dict[str, str],
    by: User,
    request: HttpRequest | None = None,
) -> Invalidation:
    """Invalidate or hold, in one transaction, the signatures the preview counted: those
    of the search no newer than the preview's newest, still in a state the change may
    start from. Refused, changing nothing, if they are no longer exactly what the preview
    said (some were withdrawn, cleared or moved meanwhile): the moderator confirms what
    they were shown or nothing."""
    kind, action = MOVES[state]
    if not preview.total:
        raise ValidationError(_("This search finds no signature to change."), code="empty")
    with transaction.atomic():
        ids = list(
            movable(signatures.filter(pk__lte=preview.last_id), state)
            .order_by()
            .values_list("pk", flat=True)
        )
        moved = signatures_move(letter_id=letter.pk, signature_ids=ids, kind=kind)
        now = _preview_of(moved, preview.last_id)
        if now != preview:
            raise Changed(now)
        invalidation = Invalidation.objects.create(
            letter=letter,
            state=state,
            query=query,
            signatures=len(moved),
            off_count=now.counted,
            created_by=by,
        )
        InvalidatedSignature.objects.bulk_create(
            [
                InvalidatedSignature(
                    invalidation=invalidation,
                    signature_id=entry.signature_id,
                    was=entry.was,
                    event_id=entry.event_id,
                )
                for entry in moved
            ],
            batch_size=CHUNK,
        )
        audit_record(
            action=action,
            actor=by,
            target=invalidation,
            organisation_id=letter.organisation_id,
            request=request,
            detail={
                "letter": letter.pk,
                "signatures": len(moved),
                "off_count": now.counted,
                "query": query,
            },
        )
    return invalidation


class Changed(ValidationError):
    """The signatures a preview counted changed before it was confirmed."""

    def __init__(self, preview: Preview) -> None:
        super().__init__(
            _(
                "The signatures this search finds changed since the preview. Check the new "
                "numbers below and confirm again."
            ),
            code="changed",
        )
        self.preview = preview


def _preview_of(moved: list[Moved], last_id: int) -> Preview:
    counted = sum(1 for entry in moved if entry.was == State.COUNTED)
    return Preview(counted, len(moved) - counted, last_id)


def invalidation_undo(
    *, invalidation_id: int, by: User, request: HttpRequest | None = None
) -> Invalidation:
    """Put back, in one transaction, the signatures of a batch that are still as it left
    them, each in the state it had; once."""
    with transaction.atomic():
        claimed = Invalidation.objects.filter(pk=invalidation_id, undone_at__isnull=True).update(
            undone_at=timezone.now(), undone_by=by
        )
        if not claimed:
            raise ValidationError(_("This batch was undone already."), code="undone")
        invalidation = Invalidation.objects.select_related("letter").get(pk=invalidation_id)
        moved = [
            Moved(signature_id, State(was), event_id)
            for signature_id, was, event_id in invalidation.items.values_list(
                "signature_id", "was", "event_id"
            )
        ]
        restored = signatures_restore(
            letter_id=invalidation.letter_id, moved=moved, now=State(invalidation.state)
        )
        invalidation.restored = len(restored)
        invalidation.save(update_fields=["restored"])
        audit_record(
            action="signatures.bulk_undo",
            actor=by,
            target=invalidation,
            organisation_id=invalidation.letter.organisation_id,
            request=request,
            detail={
                "letter": invalidation.letter_id,
                "restored": len(restored),
                "back_on_count": sum(1 for entry in restored if entry.was == State.COUNTED),
            },
        )
    return invalidation


# A single change a moderator may make from the search results, and its audit action.
SINGLE: dict[str, tuple[Callable[..., Signature], str]] = {
    "hold": (signature_hold, "signature.hold"),
    "clear": (signature_clear, "signature.clear"),
    "invalidate": (signature_invalidate, "signature.invalidate"),
}


def signature_moderate(
    *,
    letter: Letter,
    signature_id: int,
    change: str,
    by: User,
    request: HttpRequest | None = None,
) -> Signature:
    """Hold, clear or invalidate one signature of the letter, audited."""
    move, action = SINGLE[change]
    with transaction.atomic():
        was = (
            Signature.objects.filter(letter=letter, pk=signature_id)
            .values_list("state", flat=True)
            .first()
        )
        if was is None:
            raise ValidationError(_("This letter has no such signature."), code="missing")
        signature = move(signature_id=signature_id)
        audit_record(
            action=action,
            actor=by,
            target=signature,
            organisation_id=letter.organisation_id,
            request=request,
            detail={"letter": letter.pk, "from": was, "to": signature.state},
        )
    return signature
