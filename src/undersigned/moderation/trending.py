"""Which subnets and address domains bring a letter its new signatures, hour by hour.

A subnet is known only by the keyed hash of it (lib/network.py) and shown by a label cut
from that hash: stable, short, and telling nobody the network. "New signatures" are all
those made in the hour, whatever became of them (pending, counted, held or invalidated):
a script's signatures that were never confirmed are part of what it did.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from undersigned.letters.models import Letter
from undersigned.signing.models import Level, Signature, SignatureQuerySet

from .labels import group_label
from .models import Grouping

HOUR = timedelta(hours=1)
# What "usual" means: the letter's signatures of this long before the window.
BASELINE = timedelta(days=7)
# How many subnets and domains a trending table shows.
TOP = 10
# The grouped field of each grouping.
FIELDS = {Grouping.SUBNET: "subnet_hash", Grouping.DOMAIN: "email_domain"}


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Trend:
    """One subnet or domain in the window: its new signatures, hour by hour."""

    grouping: Grouping
    key: str
    total: int
    starts: tuple[datetime, ...]  # the start of each hour, oldest first
    hours: tuple[int, ...]  # its new signatures in each
    # Its share of the letter's new signatures in the window, and in the BASELINE before
    # it (None where the letter had none then).
    share: float
    usual_share: float | None

    @property
    def label(self) -> str:
        return group_label(self.grouping, self.key)

    @property
    def above_usual(self) -> float | None:
        """How many times its usual share it has now; None if it had none before."""
        if not self.usual_share:
            return None
        return self.share / self.usual_share

    @property
    def peak(self) -> int:
        return max(self.hours, default=0)

    @property
    def by_hour(self) -> list[tuple[datetime, int]]:
        return list(zip(self.starts, self.hours, strict=True))


@dataclass(frozen=True)
class Trending:
    letter: Letter
    hours: tuple[datetime, ...]  # the start of each hour, oldest first
    letter_hours: tuple[int, ...]  # the letter's new signatures in each
    subnets: tuple[Trend, ...]
    domains: tuple[Trend, ...]

    @property
    def total(self) -> int:
        return sum(self.letter_hours)

    @property
    def by_hour(self) -> list[tuple[datetime, int]]:
        return list(zip(self.hours, self.letter_hours, strict=True))

    @property
    def start(self) -> datetime:
        return self.hours[0]

    @property
    def end(self) -> datetime:
        return self.hours[-1] + HOUR


def trending(letter: Letter, *, hours: int = 24, now: datetime | None = None) -> Trending:
    """The top subnets and domains by new signatures over the last `hours` hours, this
    one included, with their counts for each hour and their usual share."""
    end = hour_of(now or timezone.now()) + HOUR
    buckets = tuple(end - HOUR * n for n in range(hours, 0, -1))
    window = _made(letter, buckets[0], end)
    letter_hours = _by_hour(window, buckets)
    total = sum(letter_hours)
    baseline = _made(letter, buckets[0] - BASELINE, buckets[0])
    baseline_total = baseline.count()
    return Trending(
        letter=letter,
        hours=buckets,
        letter_hours=letter_hours,
        subnets=_trends(Grouping.SUBNET, window, baseline, buckets, total, baseline_total),
        domains=_trends(Grouping.DOMAIN, window, baseline, buckets, total, baseline_total),
    )


def _made(letter: Letter, start: datetime, end: datetime) -> SignatureQuerySet:
    # A batch from paper arrives at once, typed in by its organisers: never a burst.
    window = Signature.objects.filter(letter=letter, created_at__gte=start, created_at__lt=end)
    return window.exclude(level=Level.PAPER)


def _by_hour(signatures: SignatureQuerySet, buckets: Sequence[datetime]) -> tuple[int, ...]:
    counts = dict(
        signatures.annotate(hour=TruncHour("created_at"))
        .values_list("hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return tuple(counts.get(bucket, 0) for bucket in buckets)


def _trends(
    grouping: Grouping,
    window: SignatureQuerySet,
    baseline: SignatureQuerySet,
    buckets: Sequence[datetime],
    total: int,
    baseline_total: int,
) -> tuple[Trend, ...]:
    field = FIELDS[grouping]
    top = list(
        window.exclude(**{field: ""})
        .values_list(field)
        .annotate(n=Count("pk"))
        .order_by("-n", field)[:TOP]
    )
    keys = [key for key, _n in top]
    hourly: dict[str, dict[datetime, int]] = {key: {} for key in keys}
    rows = (
        window.filter(**{f"{field}__in": keys})
        .annotate(hour=TruncHour("created_at"))
        .values_list(field, "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for key, hour, n in rows:
        hourly[key][hour] = n
    before = dict(
        baseline.filter(**{f"{field}__in": keys})
        .values_list(field)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return tuple(
        Trend(
            grouping=grouping,
            key=key,
            total=n,
            starts=tuple(buckets),
            hours=tuple(hourly[key].get(bucket, 0) for bucket in buckets),
            share=n / total if total else 0.0,
            usual_share=before.get(key, 0) / baseline_total if baseline_total else None,
        )
        for key, n in top
    )
