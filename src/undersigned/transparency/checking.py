"""Whether a letter's log is whole and says what its count says (`transparency check`).

Once writes stop and the round has caught up, what a letter's entries add up to equals
its count (signing/counts.py), total and verified. Before then the difference is the
events still waiting to be appended, and `log_check` reads both in one snapshot of the
database, so the comparison is exact while people sign: the log plus what waits equals
the count, or something is wrong.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from undersigned.letters.models import Letter
from undersigned.lib.merkle import Frontier, frontier_append, leaf_hash, root, root_from_frontier
from undersigned.signing.counts import LetterCount, letter_count_fresh
from undersigned.signing.models import SignatureEvent

from .appending import FEED, logged_events
from .formats import entry_decoded
from .keys import head_verify
from .models import LogEntry, LogFeed, LogState, TreeHead
from .public import head_latest, head_of, heads
from .store import StoredNodes, frontier_of


@dataclass(frozen=True)
class LogCheck:
    letter: Letter
    size: int
    # What the log's entries add up to, the letter's count, and the events that wait to
    # be appended (counted, with what they add up to).
    log: LetterCount
    count: LetterCount
    waiting: int
    waiting_count: LetterCount
    # Events the log read past and will not look for again, yet holds no entry of
    # (`append --missed` appends them).
    missed: int
    problems: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        """Whether the log adds up to the count: so once writes stop and it caught up."""
        return self.log == self.count

    @property
    def sound(self) -> bool:
        """Nothing wrong: the log is whole, signed, and with what waits equals the count."""
        return not self.problems


@contextmanager
def _snapshot() -> Iterator[None]:
    """One view of the database for every read inside: SQLite's write lock (its
    transactions begin IMMEDIATE), PostgreSQL's REPEATABLE READ, which locks nothing."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def log_check(letter: Letter, *, full: bool = False) -> LogCheck:
    """Check a letter's log; with `full`, also read every entry again, and every head."""
    with _snapshot():
        state = LogState.objects.filter(pk=letter.pk).first()
        feed = LogFeed.objects.filter(pk=FEED).first()
        count = letter_count_fresh(letter.pk)
        read, waiting = _events_read_and_waiting(letter, feed)
        latest = head_latest(letter)
    size = state.size if state is not None else 0
    log = LetterCount(state.total, state.verified) if state is not None else LetterCount()
    problems = []
    if read[0] > size:
        problems.append(
            f"{read[0] - size} counted event(s) read past are not in the log "
            "(`undersigned transparency append --missed` appends them)."
        )
    elif read != (size, log.total, log.verified):
        problems.append(
            f"The log's {size} entries add up to {log}, but the {read[0]} events they come "
            f"from to {LetterCount(read[1], read[2])}."
        )
    if log + waiting[1] != count:
        problems.append(
            f"The log adds up to {log} and {waiting[0]} event(s) wait to be appended, "
            f"which is not the count, {count}."
        )
    if state is not None:
        problems.extend(_structure_problems(state, latest))
        if full and not problems:
            problems.extend(_entries_problems(state))
    return LogCheck(
        letter=letter,
        size=size,
        log=log,
        count=count,
        waiting=waiting[0],
        waiting_count=waiting[1],
        missed=max(0, read[0] - size),
        problems=tuple(problems),
    )


def _events_read_and_waiting(
    letter: Letter, feed: LogFeed | None
) -> tuple[tuple[int, int, int], tuple[int, LetterCount]]:
    """The counted events the feed has read (how many, and their sums), and those it has
    not: past its cursor, or in its gaps."""
    cursor = feed.cursor if feed is not None else 0
    unread = Q(pk__gt=cursor)
    for first, last, _since in feed.gaps if feed is not None else []:
        unread |= Q(pk__gte=first, pk__lte=last)
    events = SignatureEvent.objects.filter(logged_events(), letter=letter)
    sums = events.aggregate(
        read=Count("pk", filter=~unread),
        read_total=Sum("total_delta", filter=~unread, default=0),
        read_verified=Sum("verified_delta", filter=~unread, default=0),
        waiting=Count("pk", filter=unread),
        waiting_total=Sum("total_delta", filter=unread, default=0),
        waiting_verified=Sum("verified_delta", filter=unread, default=0),
    )
    read = (sums["read"], sums["read_total"], sums["read_verified"])
    waiting = LetterCount(sums["waiting_total"], sums["waiting_verified"])
    return read, (sums["waiting"], waiting)


def _structure_problems(state: LogState, latest: TreeHead | None) -> list[str]:
    """The latest head against the stored log: its size, root, sums and signature."""
    if state.size == 0:
        return []
    if latest is None:
        return [f"The log holds {state.size} entries and no head signs them."]
    problems = []
    frontier = frontier_of(state)
    stored_root = root(state.size, StoredNodes(state.letter_id))
    if latest.size != state.size:
        problems.append(f"The latest head signs {latest.size} entries; the log holds {state.size}.")
    elif bytes(latest.root) != stored_root or stored_root != root_from_frontier(frontier):
        problems.append("The latest head's root is not the stored log's root.")
    if (latest.total, latest.verified) != (state.total, state.verified):
        problems.append("The latest head's sums are not the log's.")
    if not head_verify(
        head_of(latest, state.log_id), bytes(latest.signature), bytes(latest.key.public_key)
    ):
        problems.append(f"The latest head's signature does not verify (head {latest.size}).")
    last_index = LogEntry.objects.filter(letter_id=state.letter_id).order_by("-index").first()
    if last_index is None or last_index.index != state.size - 1:
        problems.append("The log's last entry is not where its size says.")
    return problems


def _entries_problems(state: LogState) -> list[str]:
    """Every entry read again, in order, up to the log's size: canonical, hashed as stored,
    and every head's root, sums and signature against the tree they build."""
    problems: list[str] = []
    frontier = Frontier()
    total = verified = 0
    signed = iter(heads(state.letter).filter(size__lte=state.size))
    head = next(signed, None)
    rows = LogEntry.objects.filter(letter_id=state.letter_id, index__lt=state.size)
    for row in rows.order_by("index").iterator(chunk_size=2000):
        raw = bytes(row.entry)
        if row.index != frontier.size:
            return [*problems, f"Entry {frontier.size} is missing."]
        try:
            entry = entry_decoded(raw)
        except ValueError as error:
            problems.append(f"Entry {row.index}: {error}.")
            continue
        if leaf_hash(raw) != bytes(row.leaf_hash):
            problems.append(f"Entry {row.index}'s leaf hash is not its bytes' hash.")
        frontier = frontier_append(frontier, [leaf_hash(raw)]).frontier
        total, verified = total + entry.total_delta, verified + entry.verified_delta
        while head is not None and head.size == frontier.size:
            problems.extend(_head_problems(head, state.log_id, frontier, total, verified))
            head = next(signed, None)
    if frontier.size != state.size:
        problems.append(f"The log holds {frontier.size} entries, not {state.size}.")
    return problems


def _head_problems(
    head: TreeHead, log_id: str, frontier: Frontier, total: int, verified: int
) -> list[str]:
    problems = []
    if bytes(head.root) != root_from_frontier(frontier):
        problems.append(f"Head {head.size}'s root is not the root of its entries.")
    if (head.total, head.verified) != (total, verified):
        problems.append(f"Head {head.size}'s sums are not those of its entries.")
    if not head_verify(head_of(head, log_id), bytes(head.signature), bytes(head.key.public_key)):
        problems.append(f"Head {head.size}'s signature does not verify.")
    return problems
