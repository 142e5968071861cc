"""Folding signature events into the letters' logs, in batches, off the signing request.

Every event that moves a count (a nonzero `total_delta` or `verified_delta`: a signature
confirmed or verified, withdrawn, held, cleared, invalidated, restored, entered from
paper or removed with its batch) becomes one entry of its letter's log; an event that
moves nothing (an unconfirmed signature forgotten, a suspect one held at confirmation,
personal data erased) becomes none. Signing writes only its events, in its own
transaction; a round of the worker reads them after they committed, every second.

A batch reads the events past the feed's cursor in id order, works out every entry, node
and head with no lock held, then writes them in one short transaction that first claims
the batch with a conditional UPDATE of the feed's batch number: of two appenders that
read the same events, one writes them and the other finds its claim gone and starts
again from what the first wrote. Each letter's `LogState` moves on with a conditional
UPDATE on its size too, and an event makes at most one entry (`LogEntry.event_id` is
unique), so no entry is ever appended twice.

Ids are handed out as rows are inserted, so on PostgreSQL an event may commit after one
with a higher id that the feed has already passed. The feed remembers each run of ids it
passed without seeing (`LogFeed.gaps`) and looks for them again every batch for
`GAP_WAIT`; one found is appended then, after the entries that overtook it. A run is only
remembered when the event after it is recent: an id older than that belongs to a
transaction that rolled back, or to a letter deleted since. A transaction that commits
later still is caught by `undersigned transparency check` (its events are reported
missed) and appended by `append --missed`.
"""

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django_tasks import task

from undersigned.background.recurring import recurring_next, recurring_start
from undersigned.letters.models import Letter, LetterVersion
from undersigned.lib.merkle import Frontier, frontier_append, leaf_hash, root_from_frontier
from undersigned.signing.models import SignatureEvent

from .formats import SALT_SIZE, Entry, Head, commitment_of, milliseconds, minute_of
from .keys import head_sign, key_current
from .models import Commitment, LogEntry, LogFeed, LogNode, LogState, SigningKey, TreeHead
from .store import (
    COMMITMENT_COLUMNS,
    ENTRY_COLUMNS,
    NODE_COLUMNS,
    Row,
    frontier_bytes,
    frontier_of,
    rows_insert,
)

ROUND_EVERY = timedelta(seconds=1)
# Events read in one batch, and batches in one round when more are waiting.
BATCH = 2000
PASSES = 10
# How long a run of ids the feed passed is looked for again.
GAP_WAIT = timedelta(minutes=10)
MAX_GAPS = 500
GAPS_A_QUERY = 50
FEED = 1
EVENT_FIELDS = (
    "id",
    "letter_id",
    "signature_id",
    "letter_version_id",
    "kind",
    "level",
    "total_delta",
    "verified_delta",
    "created_at",
)


def is_logged(event: SignatureEvent) -> bool:
    return bool(event.total_delta or event.verified_delta)


def logged_events() -> Q:
    """The events that make entries, as a filter."""
    return ~Q(total_delta=0) | ~Q(verified_delta=0)


@task()
def transparency_round() -> None:
    try:
        log_fold()
    finally:
        recurring_next(transparency_round, every=ROUND_EVERY)


def transparency_schedule() -> None:
    """Start the appending round unless one is already under way (a worker starts)."""
    recurring_start(transparency_round, every=ROUND_EVERY)


@dataclass
class Folded:
    """What one or more batches did."""

    events: int = 0
    entries: int = 0
    heads: int = 0
    # Whether events were left for another batch, or another appender took this one.
    more: bool = False

    def __iadd__(self, other: "Folded") -> "Folded":
        self.events += other.events
        self.entries += other.entries
        self.heads += other.heads
        self.more = other.more
        return self


def log_fold(*, passes: int = PASSES, batch: int = BATCH) -> Folded:
    """Fold the events waiting, a batch at a time, until none are left or `passes` ran."""
    folded = Folded()
    for _pass in range(passes):
        folded += events_fold(batch=batch)
        if not folded.more:
            break
    return folded


def events_fold(*, batch: int = BATCH) -> Folded:
    """One batch: the events past the cursor, and any found in its gaps, appended."""
    feed = _feed()
    now = timezone.now()
    fresh = list(
        SignatureEvent.objects.filter(pk__gt=feed.cursor).order_by("pk").only(*EVENT_FIELDS)[:batch]
    )
    late = _events_in(feed.gaps)
    gaps = _gaps_next(feed, fresh, late, now)
    if not fresh and gaps == feed.gaps:
        return Folded()
    cursor = fresh[-1].pk if fresh else feed.cursor
    events = sorted(late + fresh, key=lambda event: event.pk)
    appended = _entries_append(events, now, claim=(feed, cursor, gaps))
    if appended is None:
        return Folded(more=True)
    appended.events = len(fresh) + len(late)
    appended.more = len(fresh) == batch
    return appended


def missed_fold(letter: Letter | None = None) -> Folded:
    """Append the events the feed passed and never saw again (see the docstring above)."""
    folded = Folded()
    while True:
        feed = _feed()
        events = list(_missed(feed, letter).order_by("pk").only(*EVENT_FIELDS)[:BATCH])
        if not events:
            return folded
        appended = _entries_append(events, timezone.now(), claim=(feed, feed.cursor, feed.gaps))
        if appended is not None:
            appended.events = len(events)
            folded += appended


def _missed(feed: LogFeed, letter: Letter | None) -> QuerySet[SignatureEvent]:
    """Events that make entries, the feed has passed and is no longer looking for, and
    that are in no log."""
    in_log = LogEntry.objects.filter(event_id=OuterRef("pk"))
    events = SignatureEvent.objects.filter(logged_events(), pk__lte=feed.cursor)
    if letter is not None:
        events = events.filter(letter=letter)
    for first, last, _since in feed.gaps:
        events = events.exclude(pk__gte=first, pk__lte=last)
    return events.filter(~Exists(in_log))


def _feed() -> LogFeed:
    feed, _created = LogFeed.objects.get_or_create(pk=FEED)
    return feed


def _events_in(gaps: Sequence[list[int]]) -> list[SignatureEvent]:
    found: list[SignatureEvent] = []
    for start in range(0, len(gaps), GAPS_A_QUERY):
        chunk = gaps[start : start + GAPS_A_QUERY]
        condition = reduce(or_, (Q(pk__gte=first, pk__lte=last) for first, last, _ in chunk))
        found.extend(SignatureEvent.objects.filter(condition).only(*EVENT_FIELDS))
    return found


def _gaps_next(
    feed: LogFeed, fresh: Sequence[SignatureEvent], late: Sequence[SignatureEvent], now: datetime
) -> list[list[int]]:
    """The runs of ids still unseen: those remembered, less what turned up and what waited
    long enough, and those the fresh events skip over."""
    seen = sorted(event.pk for event in late)
    expired = int((now - GAP_WAIT).timestamp())
    gaps: list[list[int]] = []
    for first, last, since in feed.gaps:
        if since >= expired:
            gaps.extend([a, b, since] for a, b in _unseen(first, last, seen))
    previous, recent, stamp = feed.cursor, now - GAP_WAIT, int(now.timestamp())
    for event in fresh:
        if event.pk > previous + 1 and event.created_at > recent:
            gaps.append([previous + 1, event.pk - 1, stamp])
        previous = event.pk
    return gaps[-MAX_GAPS:]


def _unseen(first: int, last: int, seen: Sequence[int]) -> Iterable[tuple[int, int]]:
    start = first
    for pk in seen:
        if first <= pk <= last:
            if pk > start:
                yield start, pk - 1
            start = pk + 1
    if start <= last:
        yield start, last


@dataclass
class _LetterBatch:
    """What a batch appends to one letter's log, and the state it moves the log to."""

    state: LogState
    new: bool
    size: int = 0
    frontier: bytes = b""
    total: int = 0
    verified: int = 0
    # Rows of ENTRY_COLUMNS and NODE_COLUMNS.
    entries: list[Row] = field(default_factory=list)
    nodes: list[Row] = field(default_factory=list)
    head: TreeHead | None = None


def _entries_append(
    events: Sequence[SignatureEvent],
    now: datetime,
    *,
    claim: tuple[LogFeed, int, list[list[int]]],
) -> Folded | None:
    """Work out the entries of these events, then write them, and the feed's new cursor
    and gaps, once the batch is claimed; None if another appender claimed it first."""
    candidates = [event for event in events if is_logged(event)]
    states, new = _states({event.letter_id for event in candidates})
    logged = [event for event in candidates if event.letter_id in states]  # not deleted
    by_letter: dict[int, list[SignatureEvent]] = defaultdict(list)
    for event in logged:
        by_letter[event.letter_id].append(event)
    commitments, new_commitments = _commitments(logged, states, now)
    text_hashes = dict(
        LetterVersion.objects.filter(
            pk__in={event.letter_version_id for event in logged}
        ).values_list("pk", "text_hash")
    )
    key = key_current() if by_letter else None
    batches = [
        _letter_batch(
            states[letter_id], letter_id in new, letter_events, commitments, text_hashes, key
        )
        for letter_id, letter_events in by_letter.items()
    ]
    feed, cursor, gaps = claim
    with transaction.atomic():
        claimed = LogFeed.objects.filter(pk=feed.pk, batches=feed.batches).update(
            cursor=cursor, gaps=gaps, batches=F("batches") + 1
        )
        if not claimed or not all(_state_save(letter) for letter in batches):
            transaction.set_rollback(True)
            return None
        rows_insert(Commitment, COMMITMENT_COLUMNS, new_commitments)
        rows_insert(LogEntry, ENTRY_COLUMNS, [row for letter in batches for row in letter.entries])
        rows_insert(LogNode, NODE_COLUMNS, [row for letter in batches for row in letter.nodes])
        TreeHead.objects.bulk_create([letter.head for letter in batches if letter.head])
    return Folded(entries=len(logged), heads=len(batches))


def _states(letter_ids: set[int]) -> tuple[dict[int, LogState], set[int]]:
    """Each letter's log as it stands, and which letters' logs begin now."""
    states = LogState.objects.in_bulk(letter_ids)
    missing = letter_ids - set(states)
    for letter_id, slug in Letter.objects.filter(pk__in=missing).values_list("pk", "slug"):
        # The log names its letter by the slug it had when the log began: a published
        # letter keeps its address, and a head's identifier must never change.
        states[letter_id] = LogState(letter_id=letter_id, log_id=slug)
    return states, missing


def _commitments(
    events: Sequence[SignatureEvent], states: dict[int, LogState], now: datetime
) -> tuple[dict[int, bytes], list[Row]]:
    """Each signature's commitment, by signature id; made, with a new salt, for a
    signature the log has not seen before (rows of COMMITMENT_COLUMNS)."""
    signature_ids = {event.signature_id for event in events}
    known = Commitment.objects.filter(signature_id__in=signature_ids)
    commitments = {
        signature_id: bytes(value)
        for signature_id, value in known.values_list("signature_id", "commitment")
    }
    new = []
    made_at = Commitment._meta.get_field("created_at").get_db_prep_value(now, connection)
    for event in events:
        if event.signature_id in commitments:
            continue
        salt = secrets.token_bytes(SALT_SIZE)
        value = commitment_of(
            salt=salt, log_id=states[event.letter_id].log_id, signature_id=event.signature_id
        )
        commitments[event.signature_id] = value
        new.append((event.signature_id, event.letter_id, salt, value, made_at))
    return commitments, new


def _letter_batch(
    state: LogState,
    new: bool,
    events: Sequence[SignatureEvent],
    commitments: dict[int, bytes],
    text_hashes: dict[int, str],
    key: SigningKey | None,
) -> _LetterBatch:
    assert key is not None
    frontier = Frontier() if new else frontier_of(state)
    batch = _LetterBatch(state=state, new=new, total=state.total, verified=state.verified)
    leaves = []
    for offset, event in enumerate(events):
        raw = Entry(
            kind=event.kind,
            commitment=commitments[event.signature_id],
            level=event.level,
            total_delta=event.total_delta,
            verified_delta=event.verified_delta,
            text_hash=text_hashes[event.letter_version_id],
            time=minute_of(event.created_at),
        ).encoded()
        leaf = leaf_hash(raw)
        leaves.append(leaf)
        batch.entries.append((state.letter_id, frontier.size + offset, raw, leaf, event.pk))
        batch.total += event.total_delta
        batch.verified += event.verified_delta
    appended = frontier_append(frontier, leaves)
    batch.size = appended.frontier.size
    batch.frontier = frontier_bytes(appended.frontier)
    batch.nodes = [
        (state.letter_id, level, index, hash_) for (level, index), hash_ in appended.nodes.items()
    ]
    head = Head(
        log_id=state.log_id,
        size=batch.size,
        root=root_from_frontier(appended.frontier),
        timestamp=milliseconds(timezone.now()),
        total=batch.total,
        verified=batch.verified,
        key_id=key.key_id,
    )
    batch.head = TreeHead(
        letter_id=state.letter_id,
        size=head.size,
        root=head.root,
        timestamp=head.timestamp,
        total=head.total,
        verified=head.verified,
        key=key,
        signature=head_sign(head, key),
    )
    return batch


def _state_save(batch: _LetterBatch) -> bool:
    """Move the letter's log on, if nobody else moved it since it was read."""
    moved = {
        "size": batch.size,
        "frontier": batch.frontier,
        "total": batch.total,
        "verified": batch.verified,
    }
    state = batch.state
    if batch.new:
        _created, created = LogState.objects.get_or_create(
            letter_id=state.letter_id, defaults={"log_id": state.log_id, **moved}
        )
        return created
    return bool(LogState.objects.filter(pk=state.pk, size=state.size).update(**moved))
