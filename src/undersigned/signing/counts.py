"""The count: confirmed or verified signatures, stored in shards, read in constant time.

Each shard also counts its verified signatures, which reveal thresholds and the
letter's weight ("512 verified academics") are read from.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum

from undersigned.letters.models import Letter

from .models import CountShard, Level, Signature

SHARDS = 16


def shard_for(signature_id: int) -> int:
    return signature_id % SHARDS


def count_shards_create(*, letter: Letter) -> None:
    """Create a letter's shard rows up front, so confirmations only ever UPDATE."""
    CountShard.objects.bulk_create(
        [CountShard(letter=letter, shard=shard) for shard in range(SHARDS)],
        ignore_conflicts=True,
    )


def count_add(*, letter_id: int, signature_id: int, delta: int = 1, verified: bool = False) -> None:
    """Add to the shard that stands for this signature, in the transaction that changes it."""
    rows = CountShard.objects.filter(letter_id=letter_id, shard=shard_for(signature_id))
    change = {"signatures": F("signatures") + delta}
    if verified:
        change["verified"] = F("verified") + delta
    if rows.update(**change):
        return
    try:
        with transaction.atomic():
            CountShard.objects.create(
                letter_id=letter_id,
                shard=shard_for(signature_id),
                signatures=delta,
                verified=delta if verified else 0,
            )
    except IntegrityError:  # created by a concurrent confirmation meanwhile
        rows.update(**change)


def count_forget(letter_id: int) -> None:
    """Drop the cached count, so a withdrawal shows at once."""
    cache.delete(_cache_key(letter_id))


def _cache_key(letter_id: int) -> str:
    return f"tally:{letter_id}"


@dataclass(frozen=True)
class Tally:
    """A letter's counts: all counted signatures, and those of them that are verified."""

    total: int = 0
    verified: int = 0


def letter_count(letter_id: int) -> int:
    """The count as the public sees it: at most COUNT_CACHE_SECONDS old."""
    return letter_tallies([letter_id])[letter_id].total


def letter_counts(letter_ids: list[int]) -> dict[int, int]:
    return {letter_id: tally.total for letter_id, tally in letter_tallies(letter_ids).items()}


def letter_tally(letter_id: int) -> Tally:
    return letter_tallies([letter_id])[letter_id]


def letter_tallies(letter_ids: list[int]) -> dict[int, Tally]:
    cached = cache.get_many([_cache_key(letter_id) for letter_id in letter_ids])
    tallies = {
        letter_id: Tally(*cached[_cache_key(letter_id)])
        for letter_id in letter_ids
        if _cache_key(letter_id) in cached
    }
    missing = [letter_id for letter_id in letter_ids if letter_id not in tallies]
    if missing:
        fresh = _stored_tallies(missing)
        cache.set_many(
            {_cache_key(letter_id): (t.total, t.verified) for letter_id, t in fresh.items()},
            timeout=settings.COUNT_CACHE_SECONDS,
        )
        tallies.update(fresh)
    return tallies


def letter_tally_fresh(letter_id: int) -> Tally:
    """The tally as stored this instant, for decisions that must not lag: 16 indexed rows."""
    return letter_tallies_fresh([letter_id])[letter_id]


def letter_tallies_fresh(letter_ids: list[int]) -> dict[int, Tally]:
    return _stored_tallies(letter_ids) if letter_ids else {}


def _stored_tallies(letter_ids: list[int]) -> dict[int, Tally]:
    rows = (
        CountShard.objects.filter(letter_id__in=letter_ids)
        .values_list("letter_id")
        .annotate(total=Sum("signatures"), verified=Sum("verified"))
    )
    stored = {letter_id: Tally(int(total), int(verified)) for letter_id, total, verified in rows}
    return {letter_id: stored.get(letter_id, Tally()) for letter_id in letter_ids}


@dataclass(frozen=True)
class Drift:
    letter: Letter
    shard: int
    stored: Tally
    actual: Tally


def counts_reconcile(*, repair: bool) -> list[Drift]:
    """Compare every stored shard with the signatures it stands for; repair if asked.

    Each letter is checked in one transaction that first locks its shard rows: a
    confirmation that has not committed yet is seen by neither side, and adds itself
    to the repaired value once the lock is released.
    """
    drifts: list[Drift] = []
    for letter in Letter.objects.order_by("pk"):
        with transaction.atomic():
            stored = {
                row.shard: Tally(row.signatures, row.verified)
                for row in CountShard.objects.select_for_update().filter(letter=letter)
            }
            actual = {
                shard: Tally(total, verified)
                for shard, total, verified in Signature.objects.counted()
                .filter(letter=letter)
                .annotate(shard=F("pk") % SHARDS)
                .values_list("shard")
                .annotate(n=Count("pk"), v=Count("pk", filter=Q(level=Level.VERIFIED)))
            }
            for shard in sorted(set(stored) | set(actual)):
                found, right = stored.get(shard, Tally()), actual.get(shard, Tally())
                if found != right:
                    drifts.append(Drift(letter, shard, found, right))
                    if repair:
                        CountShard.objects.update_or_create(
                            letter=letter,
                            shard=shard,
                            defaults={"signatures": right.total, "verified": right.verified},
                        )
        cache.delete(_cache_key(letter.pk))
    return drifts
