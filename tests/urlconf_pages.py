"""Every route of the URL conf, and its address with each parameter filled: the tests that
must reach every page (permissions, accessibility) read the routes from here, so that a
new page is checked without anyone remembering to add it."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

# `<slug:slug>` in a path(), `(?P<key>...)` in a re_path().
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def url_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, str]]:
    """(route, name) of every view, its route the concatenation of the patterns above it."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            found += url_routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern.name or ""))
    return found


def route_filled(route: str, values: dict[str, str], *, hint: str) -> str:
    """The address of `route` with each parameter from `values`, and a regex's anchors
    dropped; a parameter missing from `values` fails, with `hint` saying where to add it."""

    def fill(match: re.Match[str]) -> str:
        parameter = match.group(1) or match.group(2)
        assert parameter in values, f"{route}: {hint.format(parameter=parameter)}"
        return values[parameter]

    return "/" + PARAMETER.sub(fill, route).replace("^", "").replace("$", "")
