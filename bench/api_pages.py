"""Does a list of a million signatures page in constant time through the API?

    uv run python bench/api_pages.py                              # SQLite, a million signatures
    uv run python bench/api_pages.py --database both --signatures 100000
    uv run python bench/api_pages.py --database postgres --explain --walk
    uv run python bench/api_pages.py --database postgres --other-signatures 300000 --explain

Sets up a throwaway site (SQLite in its data directory, or a PostgreSQL database created
beside the one --postgres-url names and dropped afterwards) and seeds --signatures counted
signatures of one published letter with export_csv.py's seed (one INSERT … SELECT), with the
letter's count shards set to match them, so the lists' `total_records` is the real count.
With --other-signatures, a second letter of the same organisation gets that many after them:
a table the lists share, as on any site with more than one letter.

Then, in a fresh process, through Django's test client (the whole middleware and django-ninja,
no web server), it times `--repeat` (5) GETs of each page and prints their median in ms:

- the public `/api/v1/petitions/<slug>/signatures/?per_page=50` (newest first), and the
  organisers' `/api/v1/organisation/petitions/<slug>/signatures/` (oldest first, by
  when each counted) with a token of the scope "signatures:read", made with
  `tokens.token_create`: the first page and pages starting ~1k, 10k, 100k and N-50 rows in;
- the same keyset query alone (`pagination.keyset_page`, 50 signatures out of the
  database, nothing rendered), and the old way for comparison, OFFSET (`[offset:offset+50]`
  on the same order);
- one `If-None-Match` answer (304) of each first page beside its 200.

A deep page's cursor is built with the API's own function (`pagination.cursor_for`) from the
row just before that depth, read once by OFFSET and untimed: cheap at any depth. It checks
that the `_links.next.href` of every page it timed carries exactly the cursor it would build
for the page after, so built cursors are the ones a client following the links gets; with
--walk it also follows `_links.next.href` through the whole public list at per_page=500,
timing every page, and compares the cursors it met at each depth. --explain prints the
database's plan of the deepest keyset and OFFSET queries (EXPLAIN ANALYZE on PostgreSQL,
EXPLAIN QUERY PLAN on SQLite). Prints numbers; asserts nothing.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from export_csv import SLUG, letter_create, signatures_seed
from harness import PYTHON, machine_note, print_table, stop_all
from update_send import command_line, site_fresh, without_database

PER_PAGE = 50
# How long after its first GET a page is asked for again with its ETag.
LATER = 1.1
WALK_PER_PAGE = 500
OTHER_SLUG = "another-letter"
PUBLIC = f"/api/v1/petitions/{SLUG}/signatures/"
ORGANISERS = f"/api/v1/organisation/petitions/{SLUG}/signatures/"
# The columns of the table, in order: (key, heading).
COLUMNS = [
    ("public_api", "public API"),
    ("public_keyset", "public keyset query"),
    ("public_offset", "OFFSET, newest first"),
    ("organiser_api", "organisers' API"),
    ("organiser_keyset", "organisers' keyset query"),
    ("organiser_offset", "OFFSET, oldest first"),
]


def depths_for(signatures: int) -> list[int]:
    """Where the timed pages start: the first page, ~1k, 10k, 100k rows in, the last page."""
    wanted = [0, 1_000, 10_000, 100_000, signatures - PER_PAGE]
    return sorted({depth for depth in wanted if 0 <= depth <= signatures - PER_PAGE})


# Seeding ----------------------------------------------------------------------------------


def shards_match(letter: Any) -> None:
    """The letter's count shards set to its counted signatures, as confirmations would
    have left them; the shared cache cleared, so the timing process reads them afresh."""
    from django.core.cache import cache
    from django.db.models import Count, F, Q

    from undersigned.signing.counts import SHARDS
    from undersigned.signing.models import CountShard, Level, Signature

    counted = Signature.objects.counted().filter(letter=letter)
    by_shard = (
        counted.annotate(shard=F("pk") % SHARDS)
        .values_list("shard")
        .annotate(n=Count("pk"), v=Count("pk", filter=Q(level=Level.VERIFIED)))
    )
    shards = {shard: (n, v) for shard, n, v in by_shard}
    CountShard.objects.filter(letter=letter).delete()
    CountShard.objects.bulk_create(
        CountShard(letter=letter, shard=shard, signatures=n, verified=v)
        for shard, (n, v) in ((shard, shards.get(shard, (0, 0))) for shard in range(SHARDS))
    )
    cache.clear()


# The timings, in a process of its own -------------------------------------------------------


def _median_ms(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median wall time of `repeat` calls, in ms, and the last call's result."""
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def _path(href: str) -> str:
    """The path and query of an absolute link (the API's links start with BASE_URL)."""
    parts = urlsplit(href)
    return f"{parts.path}?{parts.query}"


def _next_cursor(body: dict[str, Any]) -> str | None:
    href = (body["_links"].get("next") or {}).get("href")
    return parse_qs(urlsplit(href).query)["cursor"][0] if href else None


def _same(cursor: str | None, built: str | None) -> bool:
    """Whether two cursors name the same place: cursors are deterministic, so equal."""
    return cursor == built


class Lists:
    """The two lists of one letter's signatures, their orders and cursor scopes, as the
    API's views define them."""

    def __init__(self, letter: Any, secret: str) -> None:
        from django.test import Client

        from undersigned.api.public import public_order
        from undersigned.signing.models import Signature

        self.letter = letter
        self.counted = Signature.objects.counted().filter(letter=letter)
        self.client = Client(headers={"host": "localhost"})
        self.auth = {"authorization": f"Bearer {secret}"}
        self.orders = {"public": public_order(letter), "organiser": ["confirmed_at", "pk"]}
        self.scopes = {"public": f"signatures:{letter.pk}", "organiser": f"export:{letter.pk}"}
        self.paths = {"public": PUBLIC, "organiser": ORGANISERS}

    def cursor_at(self, which: str, depth: int) -> str:
        """The cursor of the page that starts `depth` rows into the list: the API's own
        function applied to the row before it."""
        from undersigned.api.pagination import cursor_for

        if depth == 0:
            return ""
        order = self.orders[which]
        fields = {"id", *(name.lstrip("-") for name in order if name.lstrip("-") != "pk")}
        row = self.counted.order_by(*order).only(*fields)[depth - 1]
        return cursor_for(row, order, self.scope_of(which))

    def scope_of(self, which: str) -> str:
        """The scope a cursor is sealed with: the list's, and its order."""
        return f"{self.scopes[which]}:{','.join(self.orders[which])}"

    def url(self, which: str, cursor: str, per_page: int = PER_PAGE) -> str:
        query = {"per_page": per_page, **({"cursor": cursor} if cursor else {})}
        return f"{self.paths[which]}?{urlencode(query)}"

    def get(self, which: str, url: str, if_none_match: str = "") -> Any:
        headers = dict(self.auth) if which == "organiser" else {}
        if if_none_match:
            headers["if-none-match"] = if_none_match
        return self.client.get(url, headers=headers)

    def keyset(self, which: str, cursor: str) -> list[Any]:
        from undersigned.api.pagination import Paging, keyset_page

        paging = Paging(cursor=cursor, per_page=PER_PAGE)
        order = self.orders[which]
        return keyset_page(self.counted, order, paging, scope=self.scopes[which]).rows

    def offset(self, which: str, depth: int) -> list[Any]:
        return list(self.counted.order_by(*self.orders[which])[depth : depth + PER_PAGE])


def _token(letter: Any) -> str:
    from undersigned.accounts.models import User
    from undersigned.api.tokens import token_create

    owner = User.objects.get(email="organiser@bench.example")
    _made, secret = token_create(
        organisation=letter.organisation, user=owner, name="bench", scopes=["signatures:read"]
    )
    return secret


def _queries(lists: Lists, which: str, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        lists.get(which, url)
    return len(queries)


def _walk(lists: Lists, depths: list[int]) -> dict[str, Any]:
    """Follow `_links.next.href` through the whole public list, WALK_PER_PAGE at a time;
    the cursor met at each depth that is a whole number of pages, against the built one."""
    url = lists.url("public", "", WALK_PER_PAGE)
    times, rows, matched, compared = [], 0, 0, 0
    started = time.perf_counter()
    while url:
        begun = time.perf_counter()
        response = lists.get("public", url)
        times.append((time.perf_counter() - begun) * 1000)
        body = response.json()
        rows += len(body["_embedded"]["osdi:signatures"])
        cursor = _next_cursor(body)
        if cursor and rows in depths:
            compared += 1
            matched += _same(cursor, lists.cursor_at("public", rows))
        url = _path(body["_links"]["next"]["href"]) if cursor else ""
    return {
        "rows": rows,
        "pages": len(times),
        "seconds": time.perf_counter() - started,
        "first_pages_ms": statistics.median(times[:10]),
        "last_pages_ms": statistics.median(times[-10:]),
        "median_ms": statistics.median(times),
        "max_ms": max(times),
        "cursors_compared": compared,
        "cursors_matched": matched,
    }


def _revalidated(lists: Lists, which: str, repeat: int) -> dict[str, Any]:
    """The first page's 200, then `repeat` GETs with its ETag in If-None-Match at once
    (their statuses and median), and one more a second later: a page whose body changes
    by the second answers that one with a 200."""
    url = lists.url(which, "")
    full, response = _median_ms(partial(lists.get, which, url), repeat)
    etag = response.get("ETag", "")
    statuses: list[int] = []

    def again() -> Any:
        answer = lists.get(which, url, etag)
        statuses.append(answer.status_code)
        return answer

    conditional, _answer = _median_ms(again, repeat)
    time.sleep(LATER)
    later = lists.get(which, url, etag)
    before, after = response.json(), later.json() if later.status_code == 200 else None
    # Whether the later body differs only in the signed string of the same next cursor.
    cursor_only = after is not None and _same(_next_cursor(before), _next_cursor(after))
    if cursor_only and after is not None:
        before["_links"].pop("next", None)
        after["_links"].pop("next", None)
        cursor_only = before == after
    return {
        "200_ms": full,
        "conditional_ms": conditional,
        "statuses": statuses,
        "later": later.status_code,
        "later_differs_only_in_cursor": cursor_only,
    }


def _explain(lists: Lists, depth: int) -> dict[str, str]:
    """The database's plans of the keyset and the OFFSET queries of the page at `depth`."""
    from django.db import connection

    from undersigned.api.pagination import _after, _cursor_values

    plans = {}
    for which in ("public", "organiser"):
        order = lists.orders[which]
        values = _cursor_values(lists.cursor_at(which, depth), lists.scope_of(which), len(order))
        ordered = lists.counted.order_by(*order)
        keyset = ordered.filter(_after(order, values or []))[: PER_PAGE + 1]
        offset = ordered[depth : depth + PER_PAGE]
        for name, query in ((f"{which} keyset", keyset), (f"{which} OFFSET", offset)):
            if connection.vendor == "postgresql":
                plan = query.explain(analyze=True, buffers=True)
            else:
                plan = query.explain()
            sql = str(query.query)
            where = sql[sql.index(" FROM ") :]  # the columns are every field's: left out
            plans[name] = f"SELECT …{where}\n{plan}"
    return plans


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.urls import get_resolver

    from undersigned.letters.models import Letter

    letter = Letter.objects.select_related("organisation").get(slug=SLUG)
    lists = Lists(letter, _token(letter))
    total = lists.counted.count()
    depths = depths_for(total)
    result: dict[str, Any] = {"signatures": total, "depths": depths, "rows": [], "checks": []}

    # The very first request of each list in this process, the URL conf (and with it the
    # API's modules) imported beforehand: the count, the institutions breakdown the public
    # count reads and the token's lookups, all cold.
    get_resolver().url_patterns  # noqa: B018
    first: dict[str, float] = {}
    for which in ("public", "organiser"):
        first[which], response = _median_ms(partial(lists.get, which, lists.url(which, "")), 1)
        if response.status_code != 200:
            sys.exit(f"{which} first page: {response.status_code} {response.content[:300]!r}")
    result["first_request_ms"] = first

    for depth in depths:
        row: dict[str, Any] = {"depth": depth}
        for which in ("public", "organiser"):
            cursor = lists.cursor_at(which, depth)
            url = lists.url(which, cursor)
            row[f"{which}_api"], response = _median_ms(partial(lists.get, which, url), args.repeat)
            row[f"{which}_keyset"], keyset_rows = _median_ms(
                partial(lists.keyset, which, cursor), args.repeat
            )
            row[f"{which}_offset"], offset_rows = _median_ms(
                partial(lists.offset, which, depth), args.repeat
            )
            body = response.json()
            shown = len(body["_embedded"]["osdi:signatures"])
            after = depth + PER_PAGE
            expected = lists.cursor_at(which, after) if after < total else None
            same_rows = [s.pk for s in keyset_rows] == [s.pk for s in offset_rows]
            result["checks"].append(
                {
                    "list": which,
                    "depth": depth,
                    "status": response.status_code,
                    "rows": shown,
                    "next_cursor_as_built": _same(_next_cursor(body), expected),
                    "keyset_rows_as_offset": same_rows,
                }
            )
        result["rows"].append(row)

    deepest = depths[-1]
    result["queries"] = {
        which: {
            "first page": _queries(lists, which, lists.url(which, "")),
            f"at {deepest:,}": _queries(
                lists, which, lists.url(which, lists.cursor_at(which, deepest))
            ),
        }
        for which in ("public", "organiser")
    }

    result["not_modified"] = {
        which: _revalidated(lists, which, args.repeat) for which in ("public", "organiser")
    }

    if args.walk:
        result["walk"] = _walk(lists, depths)
    if args.explain:
        result["explain"] = _explain(lists, deepest)
    Path(args.json).write_text(json.dumps(result))


def run(args: argparse.Namespace) -> dict[str, Any]:
    site = site_fresh(args.database, args.postgres_url)
    os.environ.update(site.env)
    import django

    django.setup()
    from django.db import connection

    print(f"database: {site.database}; {machine_note()}", flush=True)
    letter = letter_create()
    started = time.perf_counter()
    signatures_seed(letter, args.signatures)
    shards_match(letter)
    if args.other_signatures:
        # After the letter's own: rows its lists must not read, later in the table.
        other = letter_create(OTHER_SLUG, letter.organisation)
        signatures_seed(other, args.other_signatures)
    print(
        f"seeded {args.signatures:,} counted signatures, and {args.other_signatures:,} of "
        f"another letter after them, in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    connection.close()
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [PYTHON, __file__, "--child", "--repeat", str(args.repeat), "--json", out.name]
        command += ["--walk"] * args.walk + ["--explain"] * args.explain
        done = subprocess.run(command, env=site.env, cwd=site.data_dir, check=False)
        if done.returncode != 0:
            sys.exit(f"the timings failed (exit {done.returncode})")
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
    return result | {
        "database": site.database,
        "repeat": args.repeat,
        "other_signatures": args.other_signatures,
    }


def report(result: dict[str, Any]) -> None:
    """One database's table, then what goes with it."""
    other = result.get("other_signatures", 0)
    print(
        f"\n{result['database']}: {result['signatures']:,} counted signatures"
        + (f" (and {other:,} of another letter after them)" if other else "")
        + f", {PER_PAGE} a page, median of {result['repeat']} (ms)"
    )
    print_table(
        ["page starting at row", *(heading for _key, heading in COLUMNS)],
        [
            [f"{row['depth']:,}", *(f"{row[key]:.1f}" for key, _heading in COLUMNS)]
            for row in result["rows"]
        ],
    )
    first = result["first_request_ms"]
    print(
        f"first request in the fresh process (cold): public {first['public']:.0f} ms, "
        f"organisers' {first['organiser']:.0f} ms"
    )
    for which, answer in result["not_modified"].items():
        statuses = ", ".join(
            f"{status} for {answer['statuses'].count(status)} of {len(answer['statuses'])}"
            for status in sorted(set(answer["statuses"]))
        )
        print(
            f"If-None-Match, {which} first page: {statuses} in {answer['conditional_ms']:.1f} ms "
            f"(the 200 in {answer['200_ms']:.1f} ms); {LATER} s later: {answer['later']}"
            + (
                ", a body that differs only in the signed string of the same next cursor"
                if answer["later_differs_only_in_cursor"]
                else ""
            )
        )
    for which, counted in result["queries"].items():
        print(f"queries a {which} page: " + ", ".join(f"{n} ({k})" for k, n in counted.items()))
    checks = result["checks"]
    wrong = [
        c
        for c in checks
        if c["status"] != 200
        or c["rows"] != PER_PAGE
        or not c["next_cursor_as_built"]
        or not c["keyset_rows_as_offset"]
    ]
    print(
        f"checks: {len(checks) - len(wrong)} of {len(checks)} pages answered 200 with {PER_PAGE} "
        "rows, the same rows as OFFSET, and a next link carrying the cursor built for the "
        "page after" + ("" if not wrong else f"; not so: {wrong}")
    )
    if "walk" in result:
        walk = result["walk"]
        print(
            f"walk at {WALK_PER_PAGE} a page: {walk['rows']:,} rows in {walk['pages']:,} pages, "
            f"{walk['seconds']:.1f} s; a page's median {walk['median_ms']:.1f} ms (first ten "
            f"{walk['first_pages_ms']:.1f}, last ten {walk['last_pages_ms']:.1f}, slowest "
            f"{walk['max_ms']:.1f}); cursors met = cursors built at "
            f"{walk['cursors_matched']} of {walk['cursors_compared']} depths"
        )
    for name, plan in result.get("explain", {}).items():
        print(f"\nplan, {name} at {result['depths'][-1]:,}:\n{plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--signatures", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="GETs a page, their median shown")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DATABASE_URL", "").strip()
        if os.environ.get("DATABASE_URL", "").startswith(("postgres:", "postgresql:"))
        else "postgres://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument(
        "--other-signatures",
        type=int,
        default=0,
        help="signatures of another letter, seeded after the timed letter's",
    )
    parser.add_argument("--walk", action="store_true", help="follow every next link too")
    parser.add_argument("--explain", action="store_true", help="print the queries' plans")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not args.json:
        print(f"command: {command_line()}", flush=True)
    if args.database != "both":
        try:
            result = run(args)
        finally:
            stop_all()
        if args.json:
            Path(args.json).write_text(json.dumps(result))
        else:
            report(result)
        return
    results = []
    with tempfile.TemporaryDirectory() as out:
        for database in ("sqlite", "postgres"):
            path = Path(out) / f"{database}.json"
            argv = without_database(sys.argv[1:])
            command = [PYTHON, sys.argv[0], *argv, "--database", database, "--json", str(path)]
            print(f"\n=== {database} ===", flush=True)
            done = subprocess.run(command, check=False)
            if done.returncode == 0 and path.exists():
                results.append(json.loads(path.read_text()))
            else:
                print(f"the {database} run failed (exit {done.returncode})")
    print(f"\ncommand: {command_line()}")
    for result in results:
        report(result)


if __name__ == "__main__":
    main()
