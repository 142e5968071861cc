"""The count: counted signatures, stored in shards, read in constant time.

Each shard also counts its verified signatures, which reveal thresholds and the verified
count ("512 verified academics") are read from. The count moves only with a signature
event (events.py), in the transaction that changes the signature's state.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum

from undersigned.letters.models import Letter
from undersigned.lib.group_commit import hold_back

from .models import CountShard, Level, Signature, SignatureEvent

SHARDS = 16


def shard_for(signature_id: int) -> int:
    return signature_id % SHARDS


@dataclass(frozen=True)
class LetterCount:
    """A letter's count: all counted signatures, and those of them that are verified."""

    total: int = 0
    verified: int = 0

    def __add__(self, other: "LetterCount") -> "LetterCount":
        return LetterCount(self.total + other.total, self.verified + other.verified)


def count_add_many(*, letter_id: int, changes: Sequence[tuple[int, LetterCount]]) -> None:
    """Add signatures' changes, by signature id, to the shards that stand for them: one
    UPDATE per shard, in the transaction that changes the signatures (see events.py)."""
    by_shard: dict[int, LetterCount] = defaultdict(LetterCount)
    for signature_id, change in changes:
        by_shard[shard_for(signature_id)] += change
    for shard, change in sorted(by_shard.items()):
        # In a group commit, once for the batch, every shard in order (lib/group_commit.py).
        if not hold_back((letter_id, shard), change, _shards_add):
            _shard_add(letter_id, shard, change)


def _shards_add(changes: list[tuple[tuple[int, int], LetterCount]]) -> None:
    for (letter_id, shard), change in changes:
        if change.total or change.verified:
            _shard_add(letter_id, shard, change)


def _shard_add(letter_id: int, shard: int, change: LetterCount) -> None:
    rows = CountShard.objects.filter(letter_id=letter_id, shard=shard)
    update = {
        "signatures": F("signatures") + change.total,
        "verified": F("verified") + change.verified,
    }
    if rows.update(**update):
        return
    try:
        with transaction.atomic():
            CountShard.objects.create(
                letter_id=letter_id,
                shard=shard,
                signatures=change.total,
                verified=change.verified,
            )
    except IntegrityError:  # created by a concurrent confirmation meanwhile
        rows.update(**update)


def _shards_create(letter: Letter) -> None:
    """Create any of a letter's shard rows still missing, so that every confirmation from
    now on only UPDATEs rows that a reconciliation can lock."""
    CountShard.objects.bulk_create(
        [CountShard(letter=letter, shard=shard) for shard in range(SHARDS)],
        ignore_conflicts=True,
    )


def count_forget(letter_id: int) -> None:
    """Drop the cached count, so a withdrawal shows at once."""
    cache.delete(_cache_key(letter_id))


def _cache_key(letter_id: int) -> str:
    return f"count:{letter_id}"


def letter_count(letter_id: int) -> LetterCount:
    """The count as the public sees it: at most COUNT_CACHE_SECONDS old."""
    return letter_counts([letter_id])[letter_id]


def letter_counts(letter_ids: list[int]) -> dict[int, LetterCount]:
    cached = cache.get_many([_cache_key(letter_id) for letter_id in letter_ids])
    counts = {
        letter_id: LetterCount(*cached[_cache_key(letter_id)])
        for letter_id in letter_ids
        if _cache_key(letter_id) in cached
    }
    missing = [letter_id for letter_id in letter_ids if letter_id not in counts]
    if missing:
        fresh = _stored_counts(missing)
        cache.set_many(
            {_cache_key(letter_id): (c.total, c.verified) for letter_id, c in fresh.items()},
            timeout=settings.COUNT_CACHE_SECONDS,
        )
        counts.update(fresh)
    return counts


def letter_count_fresh(letter_id: int) -> LetterCount:
    """The count as stored this instant, for decisions that must not lag: 16 indexed rows."""
    return letter_counts_fresh([letter_id])[letter_id]


def letter_counts_fresh(letter_ids: list[int]) -> dict[int, LetterCount]:
    return _stored_counts(letter_ids) if letter_ids else {}


def _stored_counts(letter_ids: list[int]) -> dict[int, LetterCount]:
    rows = (
        CountShard.objects.filter(letter_id__in=letter_ids)
        .values_list("letter_id")
        .annotate(total=Sum("signatures"), verified=Sum("verified"))
    )
    stored = {
        letter_id: LetterCount(int(total), int(verified)) for letter_id, total, verified in rows
    }
    return {letter_id: stored.get(letter_id, LetterCount()) for letter_id in letter_ids}


@dataclass(frozen=True)
class Drift:
    """A stored count that disagrees with what it stands for. `shard` is None where the
    letter's whole count disagrees with the sum of its signature events."""

    letter: Letter
    shard: int | None
    stored: LetterCount
    actual: LetterCount


def counts_reconcile(*, repair: bool) -> list[Drift]:
    """Compare every stored shard with the signatures it stands for, and each letter's
    count with its signature events; repair the shards if asked.

    Each letter is checked in one transaction that first locks all its shard rows
    (created first where missing): a confirmation that has not committed yet is seen by
    no side, and adds itself to the repaired value once the lock is released. Events are
    append-only, so a count that disagrees with them is reported, never rewritten.
    """
    drifts: list[Drift] = []
    for letter in Letter.objects.order_by("pk"):
        _shards_create(letter)
        with transaction.atomic():
            stored = {
                row.shard: LetterCount(row.signatures, row.verified)
                for row in CountShard.objects.select_for_update().filter(letter=letter)
            }
            actual = _counted_by_shard(letter)
            for shard in sorted(set(stored) | set(actual)):
                found, right = stored.get(shard, LetterCount()), actual.get(shard, LetterCount())
                if found != right:
                    drifts.append(Drift(letter, shard, found, right))
                    if repair:
                        CountShard.objects.update_or_create(
                            letter=letter,
                            shard=shard,
                            defaults={"signatures": right.total, "verified": right.verified},
                        )
            counted = sum(actual.values(), LetterCount())
            from_events = _count_from_events(letter)
            if from_events != counted:
                drifts.append(Drift(letter, None, from_events, counted))
        cache.delete(_cache_key(letter.pk))
    return drifts


def _counted_by_shard(letter: Letter) -> dict[int, LetterCount]:
    return {
        shard: LetterCount(total, verified)
        for shard, total, verified in Signature.objects.counted()
        .filter(letter=letter)
        .annotate(shard=F("pk") % SHARDS)
        .values_list("shard")
        .annotate(n=Count("pk"), v=Count("pk", filter=Q(level=Level.VERIFIED)))
    }


def _count_from_events(letter: Letter) -> LetterCount:
    sums = SignatureEvent.objects.filter(letter=letter).aggregate(
        total=Sum("total_delta"), verified=Sum("verified_delta")
    )
    return LetterCount(sums["total"] or 0, sums["verified"] or 0)
