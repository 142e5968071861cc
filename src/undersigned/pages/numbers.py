"""A letter's numbers as its pages show them: signatures over time as a chart, where
signers are as a world map and by postal region, each beside a plain table; and for its
organisers, the breakdowns by verification level, institution and referrer, and the way
from submitted to counted.

Every number goes through signing.aggregates.figure, so what the public reads here is
what it may read: a small group says "fewer than 5" in the table, the chart and the map
alike, and a stepped letter's numbers are stepped. Tables list groups by the number
shown, never the exact one, so the order of small groups says nothing of their size.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from undersigned.letters.models import FieldRule, Letter
from undersigned.lib.bar_chart import Bars, bar_chart_svg
from undersigned.lib.countries import country_name
from undersigned.lib.numbers import grouped
from undersigned.lib.world_map import Shaded, world_map_svg
from undersigned.signing.aggregates import (
    NOT_GIVEN,
    OTHER,
    POSTAL_PREFIX,
    Conversion,
    Figure,
    Groups,
    Timeline,
    Unit,
    aggregates_shown,
    conversion,
    counted_by_country,
    counted_by_level,
    counted_by_postal_region,
    counted_by_source,
    counted_over_time,
    figure,
    smallest_shown,
)
from undersigned.signing.models import Level
from undersigned.signing.presentation import Audience
from undersigned.signing.public_count import PublicCount

# The shades of the map, each from a bound up: the smallest group shown, then powers of ten.
SHADES = 5
# About how many labels the chart's time axis carries.
TIME_LABELS = 5


@dataclass(frozen=True)
class Row:
    name: str
    figure: Figure


@dataclass(frozen=True)
class Chart:
    svg: SafeString
    title: str
    # The heading of the table's first column: "Hour (UTC)", "Day", "Week".
    period: str
    rows: list[Row]


@dataclass(frozen=True)
class Band:
    shade: str
    label: str


@dataclass(frozen=True)
class WorldMap:
    svg: SafeString
    legend: list[Band]
    rows: list[Row]


@dataclass(frozen=True)
class Numbers:
    over_time: Chart | None
    countries: WorldMap | None
    regions: list[Row] | None
    # The smallest group shown as a number (1 where every group is).
    smallest: int
    postal_prefix: int = POSTAL_PREFIX


def letter_numbers(count: PublicCount, audience: Audience) -> Numbers | None:
    """What every page of a letter's numbers shows; None before its reveal threshold."""
    if not aggregates_shown(count):
        return None
    letter = count.letter
    return Numbers(
        over_time=_over_time(letter, counted_over_time(letter), audience),
        countries=_countries(letter, audience) if _asked(letter, "country") else None,
        regions=_regions(letter, audience) if _asked(letter, "postal_code") else None,
        smallest=smallest_shown(letter, audience),
    )


def _asked(letter: Letter, field: str) -> bool:
    return letter.field_rule(field) != FieldRule.OFF


# Each length of bar: how the table and the chart's axis write its moment, the chart's
# name, and the heading of the table's first column.
PERIODS = {
    Unit.HOUR: (
        "j M Y, H:i",
        "j M H:i",
        gettext_lazy("Signatures per hour"),
        gettext_lazy("Hour (UTC)"),
    ),
    Unit.DAY: ("j M Y", "j M", gettext_lazy("Signatures per day"), gettext_lazy("Day (UTC)")),
    Unit.WEEK: (
        "j M Y",
        "j M Y",
        gettext_lazy("Signatures per week"),
        gettext_lazy("Week from (UTC)"),
    ),
}


def _over_time(letter: Letter, timeline: Timeline, audience: Audience) -> Chart | None:
    if not timeline.bars:
        return None
    in_table, on_axis, title, period = PERIODS[timeline.unit]
    figures = [(moment, figure(letter, n, audience)) for moment, n in timeline.bars]
    labels = [_moment(moment, in_table) for moment, _figure in figures]
    smallest = smallest_shown(letter, audience)
    bars = Bars(
        labels=[_moment(moment, on_axis) for moment, _figure in figures],
        values=[shown.value for _moment, shown in figures],
        value_text=lambda value: figure(letter, value, audience).text,
        series=_("Signatures"),
        small_series=_("Fewer than %(number)s, not drawn to scale") % {"number": grouped(smallest)},
        small_text=_fewer_than(smallest),
        small_height=smallest,
        label_every=max(1, -(-len(labels) // TIME_LABELS)),
        tick_at_least=smallest,
    )
    rows = [
        Row(label, shown)
        for label, (_moment, shown) in zip(labels, figures, strict=True)
        if shown.value != 0
    ]
    return Chart(bar_chart_svg(bars, title=str(title)), str(title), str(period), rows)


def _moment(moment: datetime, shape: str) -> str:
    return date_format(moment, shape, use_l10n=True)


def _countries(letter: Letter, audience: Audience) -> WorldMap | None:
    groups = counted_by_country(letter)
    if not groups:
        return None
    rows = _rows(letter, groups, audience, _country_group_name)
    bounds = _bounds(smallest_shown(letter, audience))
    shaded = {}
    for code, n in groups:
        if code not in (OTHER, NOT_GIVEN):
            shown = figure(letter, n, audience)
            title = f"{_country_group_name(code)}: {shown.text}"
            shaded[code] = Shaded(_shade(shown, bounds), title)
    used = {country.shade for country in shaded.values()}
    legend = [band for band in _legend(bounds) if band.shade in used]
    svg = world_map_svg(shaded, title=_("Where signers are, on a world map"))
    return WorldMap(svg, legend, rows)


def _country_group_name(code: str) -> str:
    if code == OTHER:
        return _("Other")
    if code == NOT_GIVEN:
        return _("Not given")
    return country_name(code)


def _bounds(smallest: int) -> list[int]:
    """Where each shade starts: the smallest group shown, then each power of ten above."""
    bounds = [smallest]
    while len(bounds) < SHADES:
        power = 10
        while power <= bounds[-1]:
            power *= 10
        bounds.append(power)
    return bounds


def _shade(shown: Figure, bounds: list[int]) -> str:
    if shown.value is None:
        return "shade-small"
    above = [index for index, bound in enumerate(bounds) if shown.value >= bound]
    return f"shade-{above[-1] + 1}" if above else "shade-small"


def _legend(bounds: list[int]) -> list[Band]:
    bands = [Band("shade-small", _fewer_than(bounds[0]))]
    for index, bound in enumerate(bounds):
        if index + 1 < len(bounds):
            label = f"{grouped(bound)}\u2013{grouped(bounds[index + 1] - 1)}"
        else:
            label = _("%(number)s or more") % {"number": grouped(bound)}
        bands.append(Band(f"shade-{index + 1}", label))
    return bands


def _regions(letter: Letter, audience: Audience) -> list[Row] | None:
    groups = counted_by_postal_region(letter)
    if not groups:
        return None
    return _rows(letter, groups, audience, lambda region: region or _("Not given"))


def _rows(
    letter: Letter, groups: Groups, audience: Audience, name: Callable[[str], str]
) -> list[Row]:
    """Each group as its row: the largest shown first, those too small to show after them
    by name, and "Other" and "Not given" last."""
    rows = [(key, Row(name(key), figure(letter, n, audience))) for key, n in groups]

    def order(entry: tuple[str, Row]) -> tuple[bool, int, str]:
        key, row = entry
        value = row.figure.value
        return (key in (OTHER, NOT_GIVEN), -(value if value is not None else -1), row.name)

    return [row for _key, row in sorted(rows, key=order)]


def _fewer_than(number: int) -> str:
    return _("fewer than %(step)s") % {"step": grouped(number)}


@dataclass(frozen=True)
class OrganiserNumbers:
    """What only the letter's organisers see beside the public's numbers: counts, never
    a name or an address."""

    levels: list[Row]
    institutions: list[Row]
    sources: list[Row]
    conversion: list[Row]
    confirmed_share: int | None


def organiser_numbers(count: PublicCount) -> OrganiserNumbers | None:
    if not aggregates_shown(count):
        return None
    letter = count.letter
    audience = Audience.ORGANISERS
    levels = dict(counted_by_level(letter))
    institutions = tuple(count.institutions)
    return OrganiserNumbers(
        levels=[
            Row(_("Confirmed by email"), figure(letter, levels[Level.CONFIRMED], audience)),
            Row(_("Verified by their address"), figure(letter, levels[Level.VERIFIED], audience)),
            Row(_("Signed on paper"), figure(letter, levels[Level.PAPER], audience)),
        ],
        institutions=_rows(letter, institutions, audience, str),
        sources=_rows(letter, counted_by_source(letter), audience, _source_name),
        conversion=_conversion_rows(letter, conversion(letter)),
        confirmed_share=_share(letter, conversion(letter)),
    )


def _source_name(tag: str) -> str:
    return tag or _("No tag")


def _conversion_rows(letter: Letter, way: Conversion) -> list[Row]:
    audience = Audience.ORGANISERS
    steps: Sequence[tuple[str, int]] = (
        (_("Submitted"), way.submitted),
        (_("Confirmed"), way.confirmed),
        (_("Counted now"), way.counted),
        (_("Held as suspect, waiting for a moderator"), way.held),
        (_("Invalidated by a moderator"), way.invalidated),
        (_("Withdrawn"), way.withdrawn),
        (_("Waiting for confirmation"), way.pending),
        (_("Link expired unused, soon deleted"), way.expired),
    )
    return [Row(name, figure(letter, n, audience)) for name, n in steps]


def _share(letter: Letter, way: Conversion) -> int | None:
    """The confirmed share of the submitted, worked out from the numbers as shown: on a
    stepped letter an exact share would say what the steps hide."""
    confirmed = figure(letter, way.confirmed, Audience.ORGANISERS).value
    submitted = figure(letter, way.submitted, Audience.ORGANISERS).value
    if not confirmed or not submitted:
        return None
    return min(100, round(100 * confirmed / submitted))
