"""A world map as inline SVG, each country shaded as the caller says: drawn on the server,
so it shows without JavaScript, loads nothing, and weighs about 30 KB (9 KB gzipped).

The countries are Natural Earth's at 1:110m, from the npm package world-atlas (TopoJSON,
vendored in static/vendor/world-atlas/, README.txt there), in the Natural Earth projection
d3-geo draws them in (`geoNaturalEarth1`), without Antarctica. TopoJSON keeps each border
once, as an arc of quantised steps; a country is rings of arcs. The outlines are the same
for every map, so they are worked out once per process; a map is only their classes.
"""

import functools
import itertools
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .countries import code_of_numeric

TOPOLOGY = Path(__file__).resolve().parent.parent / "static/vendor/world-atlas/countries-110m.json"
ANTARCTICA = "010"
# Degrees a border may move when simplified: half a pixel of the map, about, at 800 wide.
TOLERANCE = 0.2
WIDTH = 800
# The latitudes shown: the northernmost land (Greenland) to the southern tip of America.
NORTH, SOUTH = 84.0, -57.0

Point = tuple[float, float]


@dataclass(frozen=True)
class Shaded:
    """How one country is drawn: a CSS class of its shade, and what hovering it says."""

    shade: str
    title: str


def world_map_svg(shaded: Mapping[str, Shaded], *, title: str) -> SafeString:
    """The map, the countries in `shaded` (by ISO 3166-1 alpha-2 code) in their shade."""
    paths = []
    for code, outline in _outlines():
        country = shaded.get(code) if code else None
        if country is None:
            paths.append(f'<path class="land" d="{outline}"/>')
        else:
            paths.append(
                f'<path class="land {escape(country.shade)}" d="{outline}">'
                f"<title>{escape(country.title)}</title></path>"
            )
    # Every text in it is escaped, and the outlines are numbers.
    return mark_safe(  # noqa: S308 # nosec B308 B703
        f'<svg class="world-map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}">{"".join(paths)}</svg>'
    )


@functools.cache
def _outlines() -> list[tuple[str, str]]:
    """Each country's alpha-2 code ("" where ISO gives it none) and its SVG path."""
    topology = json.loads(TOPOLOGY.read_text())
    arcs = _arcs(topology)
    outlines = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id", "")
        if numeric == ANTARCTICA:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [_ring(arcs, ring) for polygon in polygons for ring in polygon]
        path = "".join(_path(piece) for ring in rings for piece in _split_at_antimeridian(ring))
        outlines.append((code_of_numeric(numeric) if numeric else "", path))
    return outlines


def _arcs(topology: dict) -> list[list[Point]]:
    """The arcs in degrees: each is a start and steps from it, in quantised units."""
    (scale_x, scale_y), (left, bottom) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + left, y * scale_y + bottom))
        decoded.append(_simplified(points))
    return decoded


def _simplified(arc: list[Point]) -> list[Point]:
    """The arc without the points that move it by less than TOLERANCE (Douglas-Peucker).
    Borders are simplified once, as arcs, so two neighbours still meet on theirs."""
    keep = {0, len(arc) - 1}
    spans = [(0, len(arc) - 1)]
    while spans:
        first, last = spans.pop()
        farthest, distance = first, 0.0
        for index in range(first + 1, last):
            away = _distance(arc[index], arc[first], arc[last])
            if away > distance:
                farthest, distance = index, away
        if distance > TOLERANCE:
            keep.add(farthest)
            spans += [(first, farthest), (farthest, last)]
    return [point for index, point in enumerate(arc) if index in keep]


def _distance(point: Point, start: Point, end: Point) -> float:
    """How far `point` lies from the line through `start` and `end`, in degrees."""
    (x, y), (x1, y1), (x2, y2) = point, start, end
    length = math.hypot(x2 - x1, y2 - y1)
    if not length:
        return math.hypot(x - x1, y - y1)
    return abs((y2 - y1) * x - (x2 - x1) * y + x2 * y1 - y2 * x1) / length


def _ring(arcs: list[list[Point]], indexes: list[int]) -> list[Point]:
    """A ring from its arcs; ~i is arc i backwards, and each arc starts where the last ended."""
    points: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _split_at_antimeridian(ring: list[Point]) -> Iterator[list[Point]]:
    """Russia and Fiji cross 180°: their rings jump from one edge of the map to the other.
    Such a ring is made continuous, cut at 180°, and its far part moved back by 360°."""
    continuous = [ring[0]]
    shift = 0.0
    for (lon, _lat), (next_lon, next_lat) in itertools.pairwise(ring):
        if next_lon - lon > 180:
            shift -= 360
        elif lon - next_lon > 180:
            shift += 360
        continuous.append((next_lon + shift, next_lat))
    if all(-180 <= lon <= 180 for lon, _lat in continuous):
        yield ring
        return
    if min(lon for lon, _lat in continuous) < -180:
        continuous = [(lon + 360, lat) for lon, lat in continuous]
    yield _clipped(continuous, keep_east=False)
    yield [(lon - 360, lat) for lon, lat in _clipped(continuous, keep_east=True)]


def _clipped(ring: list[Point], *, keep_east: bool) -> list[Point]:
    """The part of a ring on one side of 180° (Sutherland-Hodgman, against one line)."""
    kept: list[Point] = []

    def inside(point: Point) -> bool:
        return (point[0] >= 180) if keep_east else (point[0] <= 180)

    for point, following in zip(ring, ring[1:] + ring[:1], strict=True):
        if inside(point):
            kept.append(point)
        if inside(point) != inside(following):
            share = (180 - point[0]) / (following[0] - point[0])
            kept.append((180.0, point[1] + share * (following[1] - point[1])))
    return kept


def _path(ring: list[Point]) -> str:
    """A ring in whole pixels, each point as the step from the one before ("M3 4l5-2 0 1z")."""
    pixels: list[tuple[int, int]] = []
    for lon, lat in ring:
        pixel = _pixel(lon, lat)
        if not pixels or pixel != pixels[-1]:
            pixels.append(pixel)
    if len(pixels) < 3:
        return ""  # an island smaller than a pixel
    steps = []
    for (x, y), (next_x, next_y) in itertools.pairwise(pixels):
        steps.append(f"{next_x - x} {next_y - y}")
    start_x, start_y = pixels[0]
    return f"M{start_x} {start_y}l{' '.join(steps)}z".replace(" -", "-")


def _natural_earth(lon: float, lat: float) -> Point:
    """d3-geo's geoNaturalEarth1Raw (Šavrič et al. 2015), in radians."""
    lam, phi = math.radians(lon), math.radians(lat)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (
        0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4))
    )
    y = phi * (
        1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4))
    )
    return x, y


# The projection's left edge and top, and pixels per unit of it.
LEFT = _natural_earth(-180, 0)[0]
TOP = _natural_earth(0, NORTH)[1]
SCALE = WIDTH / (2 * _natural_earth(180, 0)[0])
HEIGHT = round((TOP - _natural_earth(0, SOUTH)[1]) * SCALE)


def _pixel(lon: float, lat: float) -> tuple[int, int]:
    x, y = _natural_earth(lon, lat)
    return round((x - LEFT) * SCALE), round((TOP - y) * SCALE)
