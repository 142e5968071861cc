"""The count: confirmed or verified signatures, stored in shards, read in constant time."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum

from undersigned.letters.models import Letter

from .models import CountShard, Signature

SHARDS = 16


def shard_for(signature_id: int) -> int:
    return signature_id % SHARDS


def count_shards_create(*, letter: Letter) -> None:
    """Create a letter's shard rows up front, so confirmations only ever UPDATE."""
    CountShard.objects.bulk_create(
        [CountShard(letter=letter, shard=shard) for shard in range(SHARDS)],
        ignore_conflicts=True,
    )


def count_add(*, letter_id: int, signature_id: int, delta: int = 1) -> None:
    """Add to the shard that stands for this signature. Call inside the confirming transaction."""
    rows = CountShard.objects.filter(letter_id=letter_id, shard=shard_for(signature_id))
    if rows.update(signatures=F("signatures") + delta):
        return
    try:
        with transaction.atomic():
            CountShard.objects.create(
                letter_id=letter_id, shard=shard_for(signature_id), signatures=delta
            )
    except IntegrityError:  # created by a concurrent confirmation meanwhile
        rows.update(signatures=F("signatures") + delta)


def _cache_key(letter_id: int) -> str:
    return f"count:{letter_id}"


def letter_count(letter_id: int) -> int:
    """The count as the public sees it: at most COUNT_CACHE_SECONDS old."""
    counts = letter_counts([letter_id])
    return counts[letter_id]


def letter_counts(letter_ids: list[int]) -> dict[int, int]:
    cached = cache.get_many([_cache_key(letter_id) for letter_id in letter_ids])
    counts = {
        letter_id: cached[_cache_key(letter_id)]
        for letter_id in letter_ids
        if _cache_key(letter_id) in cached
    }
    missing = [letter_id for letter_id in letter_ids if letter_id not in counts]
    if missing:
        stored = dict(
            CountShard.objects.filter(letter_id__in=missing)
            .values_list("letter_id")
            .annotate(total=Sum("signatures"))
        )
        fresh = {letter_id: int(stored.get(letter_id) or 0) for letter_id in missing}
        cache.set_many(
            {_cache_key(letter_id): n for letter_id, n in fresh.items()},
            timeout=settings.COUNT_CACHE_SECONDS,
        )
        counts.update(fresh)
    return counts


@dataclass(frozen=True)
class Drift:
    letter: Letter
    shard: int
    stored: int
    actual: int


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
                row.shard: row.signatures
                for row in CountShard.objects.select_for_update().filter(letter=letter)
            }
            actual = dict(
                Signature.objects.counted()
                .filter(letter=letter)
                .annotate(shard=F("pk") % SHARDS)
                .values_list("shard")
                .annotate(n=Count("pk"))
            )
            for shard in sorted(set(stored) | set(actual)):
                if stored.get(shard, 0) != actual.get(shard, 0):
                    drifts.append(Drift(letter, shard, stored.get(shard, 0), actual.get(shard, 0)))
                    if repair:
                        CountShard.objects.update_or_create(
                            letter=letter,
                            shard=shard,
                            defaults={"signatures": actual.get(shard, 0)},
                        )
        cache.delete(_cache_key(letter.pk))
    return drifts
