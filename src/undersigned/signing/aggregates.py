"""A letter's signatures added up: over time, by country, by postal region, by referrer,
and from submitted to counted. Aggregates only: no query here returns a signature.

Every number that leaves here for a page goes through `figure`, the one rule of how
small a group may be shown: a group of fewer than AGGREGATE_MIN_GROUP signatures could
point at a person, so it is "fewer than 5", never its number; and on a letter with count
steps every number is stepped as its count is, so a new signature cannot be tied to the
moment it came. Only the letter's organisers, on a letter anyone may sign, see groups
smaller than that (as the presenter shows them more: presentation.Audience); a letter
for academic or listed-domain addresses promised its signers that organisers see what
the public sees. Before a reveal threshold nothing of it shows (`aggregates_shown`).

Only counted signatures are added up (the count's rule, SignatureQuerySet.counted), and
each breakdown is read at most once in AGGREGATE_CACHE_SECONDS by each cache: a grouped
query over a letter's signatures costs more than the count, which reads 16 rows.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncDay, TruncHour, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext

from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.countries import country_code
from undersigned.lib.numbers import grouped

from .models import EventKind, Level, Signature, SignatureEvent, State
from .presentation import Audience
from .public_count import PublicCount
from .tokens import CONFIRM_MAX_AGE

# The group of signers who gave no country, postal code or tag, and of countries typed
# that name none for sure (lib/countries.py).
NOT_GIVEN = ""
OTHER = "other"
# A postal code is grouped by its first characters: a region, never an address.
POSTAL_PREFIX = 2


@dataclass(frozen=True)
class Figure:
    """A number as a page may show it: `value` for a chart to draw (None where the group
    is too small to show) and `text` for people ("1,234", "150+", "fewer than 5")."""

    value: int | None
    text: str

    @property
    def is_small(self) -> bool:
        return self.value is None


def figure(letter: Letter, number: int, audience: Audience = Audience.PUBLIC) -> Figure:
    """The one rule of how a group of `number` counted signatures is shown."""
    floor = smallest_shown(letter, audience)
    if number == 0 and not letter.count_step:
        return Figure(0, "0")
    if number < floor:
        return Figure(None, gettext("fewer than %(step)s") % {"step": grouped(floor)})
    return Figure(letter.stepped(number), letter.shown_number(number))


def smallest_shown(letter: Letter, audience: Audience) -> int:
    """The smallest group `figure` shows as a number; any below it is "fewer than" this."""
    exact = audience == Audience.ORGANISERS and letter.eligibility == Eligibility.ANYONE
    least = 1 if exact else settings.AGGREGATE_MIN_GROUP
    return max(least, letter.count_step or 1)


def aggregates_shown(count: PublicCount) -> bool:
    """Nothing of a letter's numbers shows before its reveal threshold, to anyone: such a
    letter is never one anyone may sign (Letter.clean), so its organisers were promised
    what the public sees."""
    return count.names_revealed


class Unit(Enum):
    """How long each bar of the chart over time is: hours while a letter is young."""

    HOUR = timedelta(hours=1)
    DAY = timedelta(days=1)
    WEEK = timedelta(weeks=1)


HOURLY_FOR = timedelta(days=3)
DAILY_FOR = timedelta(days=180)
TRUNCATE = {Unit.HOUR: TruncHour, Unit.DAY: TruncDay, Unit.WEEK: TruncWeek}

Groups = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Timeline:
    """Counted signatures by when they were confirmed, in UTC, every bar from the first
    signature's to the last (to now, while the letter is open), empty ones included."""

    unit: Unit
    bars: tuple[tuple[datetime, int], ...]


def counted_over_time(letter: Letter) -> Timeline:
    return _cached(letter, "time", lambda: _timeline(letter, timezone.now()))


def _timeline(letter: Letter, now: datetime) -> Timeline:
    counted = Signature.objects.counted().filter(letter=letter).order_by()
    span = counted.aggregate(first=Min("confirmed_at"), last=Max("confirmed_at"))
    if span["first"] is None:
        return Timeline(Unit.HOUR, ())
    end = now if letter.is_open else span["last"]
    unit = _unit(end - span["first"])
    truncate = TRUNCATE[unit]
    rows = (
        counted.annotate(bar=truncate("confirmed_at", tzinfo=UTC))
        .values_list("bar")
        .annotate(n=Count("pk"))
    )
    found = dict(rows)
    bars = []
    moment = _truncated(span["first"], unit)
    while moment <= end:
        bars.append((moment, found.get(moment, 0)))
        moment += unit.value
    return Timeline(unit, tuple(bars))


def _unit(span: timedelta) -> Unit:
    if span <= HOURLY_FOR:
        return Unit.HOUR
    return Unit.DAY if span <= DAILY_FOR else Unit.WEEK


def _truncated(moment: datetime, unit: Unit) -> datetime:
    """As the database truncates: to the hour, the day, or the Monday of the week, in UTC."""
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if unit == Unit.HOUR:
        return moment
    day = moment.replace(hour=0)
    return day if unit == Unit.DAY else day - timedelta(days=day.weekday())


def counted_by_country(letter: Letter) -> Groups:
    """By ISO 3166-1 alpha-2 code; a country typed that names none is OTHER."""

    def read() -> Groups:
        by_code: Counter[str] = Counter()
        for typed, n in _grouped(letter, "country"):
            given = typed.strip()
            by_code[(country_code(given) or OTHER) if given else NOT_GIVEN] += n
        return _most_first(by_code)

    return _cached(letter, "country", read)


def counted_by_postal_region(letter: Letter) -> Groups:
    """By the first POSTAL_PREFIX letters and digits of the postal code, upper case."""

    def read() -> Groups:
        by_region: Counter[str] = Counter()
        for typed, n in _grouped(letter, "postal_code"):
            by_region[postal_region(typed)] += n
        return _most_first(by_region)

    return _cached(letter, "postal", read)


def postal_region(postal_code: str) -> str:
    """ "sw1a 1aa" → "SW", "75011" → "75"; NOT_GIVEN where it holds no letter or digit."""
    return "".join(ch for ch in postal_code if ch.isalnum())[:POSTAL_PREFIX].upper()


def counted_by_source(letter: Letter) -> Groups:
    """By the `?source=` tag of the link the signer followed (NOT_GIVEN for none)."""
    return _cached(letter, "source", lambda: _most_first(Counter(dict(_grouped(letter, "source")))))


def counted_by_level(letter: Letter) -> Groups:
    """Counted signatures confirmed by email only, verified by their address, and on paper."""

    def read() -> Groups:
        by_level = Counter(dict(_grouped(letter, "level")))
        levels = (Level.CONFIRMED, Level.VERIFIED, Level.PAPER)
        return tuple((level, by_level[level]) for level in levels)

    return _cached(letter, "level", read)


def _grouped(letter: Letter, field: str) -> list[tuple[str, int]]:
    counted = Signature.objects.counted().filter(letter=letter).order_by()
    return list(counted.values_list(field).annotate(n=Count("pk")))


def _most_first(groups: Counter[str]) -> Groups:
    return tuple(sorted(groups.items(), key=lambda group: (-group[1], group[0])))


@dataclass(frozen=True)
class Conversion:
    """From submitted to counted: every signature still on record, and those withdrawn.

    Unconfirmed signatures are deleted an hour or so after their link expires
    (housekeeping.forget_unconfirmed), leaving no trace: `expired` holds only those not
    deleted yet, and `submitted` leaves out those deleted.
    """

    counted: int
    held: int
    invalidated: int
    pending: int
    expired: int
    withdrawn_confirmed: int
    withdrawn_unconfirmed: int

    @property
    def confirmed(self) -> int:
        """Everyone who clicked their link, whatever happened to the signature since."""
        return self.counted + self.held + self.invalidated + self.withdrawn_confirmed

    @property
    def withdrawn(self) -> int:
        return self.withdrawn_confirmed + self.withdrawn_unconfirmed

    @property
    def submitted(self) -> int:
        return self.confirmed + self.pending + self.expired + self.withdrawn_unconfirmed

    @property
    def confirmed_share(self) -> int | None:
        """Per cent of the submitted that were confirmed; None before anyone signed."""
        return round(100 * self.confirmed / self.submitted) if self.submitted else None


def conversion(letter: Letter) -> Conversion:
    return _cached(letter, "conversion", lambda: _conversion(letter, timezone.now()))


def _conversion(letter: Letter, now: datetime) -> Conversion:
    link_valid = Q(created_at__gte=now - timedelta(seconds=CONFIRM_MAX_AGE))
    # Signatures on paper were never submitted online: they have no conversion to count.
    rows = (
        Signature.objects.filter(letter=letter)
        .exclude(level=Level.PAPER)
        .aggregate(
            counted=Count("pk", filter=Q(state=State.COUNTED)),
            held=Count("pk", filter=Q(state=State.HELD)),
            invalidated=Count("pk", filter=Q(state=State.INVALIDATED)),
            pending=Count("pk", filter=Q(link_valid, state=State.PENDING)),
            expired=Count("pk", filter=Q(~link_valid, state=State.PENDING)),
        )
    )
    # A withdrawal deletes the signature; its event keeps the level it had.
    withdrawals = SignatureEvent.objects.filter(letter=letter, kind=EventKind.WITHDRAWN)
    withdrawn = withdrawals.aggregate(
        confirmed=Count("pk", filter=~Q(level=Level.PENDING)),
        unconfirmed=Count("pk", filter=Q(level=Level.PENDING)),
    )
    return Conversion(
        **rows,
        withdrawn_confirmed=withdrawn["confirmed"],
        withdrawn_unconfirmed=withdrawn["unconfirmed"],
    )


Read = TypeVar("Read")


def _cached(letter: Letter, name: str, read: Callable[[], Read]) -> Read:
    key = f"aggregates:{letter.pk}:{name}"
    found = cache.get(key)
    if found is None:
        found = read()
        cache.set(key, found, timeout=settings.AGGREGATE_CACHE_SECONDS)
    return found
