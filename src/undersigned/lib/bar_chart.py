"""A bar chart as inline SVG, drawn on the server by pygal: it shows without JavaScript
and loads nothing.

pygal's SVG is made for a page of its own: it carries a `<style>` and two `<script>`s (its
tooltips, fetched from another host unless `js=[]`), an inline `style` attribute, and
coordinates to fifteen digits. Inline in our pages the site's Content-Security-Policy
would refuse all three, so they are taken out of pygal's tree before it is written
(`_inline_ready`, a pygal XML filter): the chart is styled by static/css/numbers.css, each
bar's value becomes its `<title>` (the browser's own tooltip), and numbers keep one decimal.
"""

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

# Elements that run or style something, and pygal's empty layers for its script's tooltips.
DROPPED_TAGS = {"style", "script"}
DROPPED_CLASSES = {"tooltip-overlay", "overlay", "text-overlay", "titles"}
# A long decimal in an attribute: kept to one place.
LONG_DECIMAL = re.compile(r"-?\d+\.\d{2,}")
WIDTH, HEIGHT = 640, 300
# The sizes numbers.css gives the chart's text, which pygal lays it out by.
TEXT = Style(label_font_size=14, major_label_font_size=14, legend_font_size=14)
TICKS_AT_MOST = 6


@dataclass(frozen=True)
class Bars:
    """What a chart shows: a label and a value per bar, None for a group too small to
    show (drawn at `small_height`, its title `small_text`, in a series of its own)."""

    labels: Sequence[str]
    values: Sequence[int | None]
    value_text: Callable[[int], str]
    series: str
    small_series: str
    small_text: str
    small_height: int
    # Every how many bars a label is written under the axis.
    label_every: int = 1
    # The marks of the value axis are multiples of at least this: none may read as the
    # number of a group too small to show.
    tick_at_least: int = 1

    @property
    def ticks(self) -> list[int]:
        """0 and a round step up to the tallest bar, at most about six marks."""
        top = max([value or 0 for value in self.values] + [self.small_height, 1])
        step = next(
            step
            for step in _round_steps()
            if step >= self.tick_at_least and step * TICKS_AT_MOST >= top
        )
        return list(range(0, top + step, step))


def bar_chart_svg(bars: Bars, *, title: str) -> SafeString:
    chart = pygal.StackedBar(
        width=WIDTH,
        height=HEIGHT,
        explicit_size=False,
        js=[],
        css=[],
        no_prefix=True,
        disable_xml_declaration=True,
        pretty_print=False,
        title=None,
        show_legend=None in bars.values,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_label=-1,
        truncate_legend=-1,
        x_labels=list(bars.labels),
        y_labels=bars.ticks,
        x_labels_major_every=bars.label_every,
        show_minor_x_labels=False,
        show_x_guides=False,
        include_x_axis=True,
        margin=8,
        style=TEXT,
        spacing=2,
        print_values=False,
        allow_interruptions=False,
        no_data_text="",
        classes=["chart"],
    )
    shown = [value or None for value in bars.values]  # no bar where there is nothing
    chart.add(bars.series, shown, formatter=lambda value: bars.value_text(int(value)))
    if None in bars.values:
        small = [bars.small_height if value is None else None for value in bars.values]
        chart.add(bars.small_series, small, formatter=lambda _value: bars.small_text)
    chart.add_xml_filter(lambda root: _inline_ready(root, title))
    # pygal writes its tree with an XML serialiser, which escapes every text and attribute.
    return mark_safe(chart.render(is_unicode=True))  # noqa: S308 # nosec B308 B703


def _round_steps() -> Iterator[int]:
    """1, 2, 5, 10, 20, 50, 100, ..."""
    for power in itertools.count():
        for digit in (1, 2, 5):
            yield digit * 10**power


def _inline_ready(root: Any, title: str) -> Any:
    """pygal's tree as an inline image of our pages: nothing that runs or styles, each
    bar's value as its title, short numbers, and the chart's name for assistive tools."""
    for parent in list(root.iter()):
        for child in list(parent):
            if _dropped(child):
                parent.remove(child)
        if _local(parent.tag) == "g" and "bar" in parent.get("class", "").split():
            _value_as_title(parent)
    for element in root.iter():
        element.attrib.pop("id", None)  # pygal's, the same in every chart of a page
        element.attrib.pop("style", None)  # the CSP refuses inline styles
        for name, value in list(element.attrib.items()):
            element.set(name, LONG_DECIMAL.sub(_one_decimal, value))
    root.set("role", "img")
    root.set("aria-label", title)
    for element in root:
        if _local(element.tag) == "title":
            element.text = title
    return root


def _dropped(element: Any) -> bool:
    if callable(element.tag):  # a comment: pygal's name and the day it drew the chart
        return True
    classes = set(element.get("class", "").split())
    if "bar" in classes:  # a stacked chart draws a bar of no height where a series has none
        heights = [
            float(child.get("height", 0)) for child in element if _local(child.tag) == "rect"
        ]
        return not any(heights)
    return _local(element.tag) in DROPPED_TAGS or bool(classes & DROPPED_CLASSES)


def _value_as_title(bar: Any) -> None:
    """pygal's script shows a bar's `<desc class="value">` on hover; without it, the
    browser shows a `<title>`: "3 Dec: 12". The other descs only place that tooltip."""
    descs = {desc.get("class"): desc for desc in bar if _local(desc.tag) == "desc"}
    for desc in descs.values():
        bar.remove(desc)
    value, label = descs.get("value"), descs.get("x_label")
    if value is not None:
        value.tag = value.tag.replace("desc", "title")
        value.attrib.pop("class")
        value.text = f"{label.text}: {value.text}" if label is not None else value.text
        bar.append(value)


def _local(tag: Any) -> str:
    return str(tag).rpartition("}")[2]


def _one_decimal(match: re.Match[str]) -> str:
    return f"{float(match.group()):.1f}".removesuffix(".0")
