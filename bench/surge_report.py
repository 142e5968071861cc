"""bench/surge.py's table: each figure beside issue 9's target, with pass or miss."""

import math
from collections.abc import Callable
from typing import Any

PASS, MISS, NONE = "pass", "MISS", "-"
ACKNOWLEDGED = ("302", "303")


def _verdict(ok: bool | None) -> str:
    return NONE if ok is None else (PASS if ok else MISS)


def _n(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"{value:,.{digits}f}"


def _others(statuses: dict[str, int], keep: tuple[str, ...]) -> dict[str, int]:
    return {code: n for code, n in statuses.items() if code not in keep}


def rows_for(r: dict[str, Any], quick: bool) -> list[list[str]]:
    runs = r.get("runs", {})
    rows: list[list[str]] = []

    def add(what: str, figure: str, target: str, ok: bool | None) -> None:
        rows.append([what, figure, target, _verdict(ok)])

    not_acked: dict[str, int] = {}
    socket_errors = 0
    for connections in (8, 64, 256):
        run = runs.get(f"sign c={connections}")
        if not run:
            continue
        rate = run["acknowledged_per_second"]
        add(
            f"sign POSTs acknowledged, {connections} connections",
            f"{_n(rate)}/s; p50 {_n(run['p50_ms'])}, p95 {_n(run['p95_ms'])}, "
            f"p99 {_n(run['p99_ms'])} ms",
            ">= 2,000/s",
            rate >= 2000,
        )
        for code, n in _others(run["statuses"], ACKNOWLEDGED).items():
            not_acked[code] = not_acked.get(code, 0) + n
        socket_errors += run["socket_errors"]
    run = runs.get("open model")
    if run:
        for code, n in _others({k: v for k, v in run["statuses"].items()}, ACKNOWLEDGED).items():
            not_acked[f"{code} (open)"] = n
        add(
            f"sign at {_n(run['rate'])}/s offered (open model)",
            f"p50 {_n(run['p50_ms'])}, p95 {_n(run['p95_ms'])}, p99 {_n(run['p99_ms'])} ms; "
            f"{run.get('acknowledged', 0):,} of {run['scheduled']:,} acknowledged, "
            f"{run['unfinished']:,} unanswered {run.get('grace_seconds', '?')} s after",
            "p99 < 100 ms",
            run["p99_ms"] < 100,
        )
    shown = ", ".join(f"{code}: {n:,}" for code, n in sorted(not_acked.items())) or "none"
    add(
        "sign responses not acknowledged",
        f"{shown}; socket errors {socket_errors:,}",
        "none",
        not not_acked and not socket_errors,
    )
    run = runs.get("confirm")
    if run:
        rate = run["confirmed_per_second"]
        extra = " (ran out of links: a lower bound)" if run["ran_out_of_tokens"] else ""
        others = _others(run["statuses"], ("200", "404"))
        add(
            "confirmations",
            f"{_n(rate)}/s answered 200 ({_n(run.get('counted_per_second'))}/s counted), "
            f"p99 {_n(run['p99_ms'])} ms{extra}" + (f"; other statuses {others}" if others else ""),
            ">= 2,000/s",
            rate >= 2000,
        )
    for page in ("letter page", "count.json"):
        for where, target in (("server", 5000), ("nginx", 20000)):
            run = runs.get(f"{page} ({where})")
            if not run:
                continue
            rate = run["requests"] / run["seconds"]
            errors = run["statuses"].get("400", 0) + run["socket_errors"]
            cache = run.get("x_cache_status_of_50")
            add(
                f"{page}, {'from the server' if where == 'server' else 'through nginx'}",
                f"{_n(rate)}/s, p99 {_n(run['p99_ms'], 1)} ms"
                + (f", {errors:,} errors" if errors else "")
                + (f"; X-Cache-Status {cache}" if cache else ""),
                f">= {target:,}/s",
                rate >= target and not errors,
            )
    for page, seen in r.get("headers", {}).items():
        control = seen.get("cache_control") or "none"
        validator = (
            "ETag"
            if seen.get("etag")
            else ("Last-Modified" if seen.get("last_modified") else "none")
        )
        ok = (
            "max-age" in control
            and "stale-while-revalidate" in control
            and validator != "none"
            and seen["conditional_sent"] > 0
            and seen["conditional_304"] == seen["conditional_sent"]
        )
        add(
            f"{page}: caching headers, 304s",
            f"Cache-Control {control}; validator {validator}; "
            f"{seen['conditional_304']}/{seen['conditional_sent']} If-None-Match answered 304",
            "max-age, stale-while-revalidate, validator, 304",
            ok,
        )
    run = runs.get("freshness")
    if run:
        add(
            "count freshness under signing load",
            f"max {_n(run['delay_max_s'], 2)} s, p95 {_n(run['delay_p95_s'], 2)} s over "
            f"{run['delays']:,} confirmations ({run['unseen']} never shown); signing "
            f"{_n(run['acknowledged_per_second'])}/s",
            "<= 2 s",
            run["delays"] > 0 and run["unseen"] == 0 and run["delay_max_s"] <= 2,
        )
    reads = r.get("count_reads", [])
    for index, step in enumerate(reads):
        count, page, fresh = step["count.json"], step["letter page"], step["letter_count_fresh"]
        ok = None
        if index == len(reads) - 1 and len(reads) > 1:
            base = reads[0]

            def same(now: float, then: float) -> bool:
                return now <= 2 * then + 2  # ms: twice, with a little room for noise

            ok = all(
                same(step[k]["cached_p50_ms"], base[k]["cached_p50_ms"])
                and same(max(step[k]["first_ms"]), max(base[k]["first_ms"]))
                for k in ("count.json", "letter page")
            ) and same(fresh["p50_ms"], base["letter_count_fresh"]["p50_ms"])
        add(
            f"count read latency, {step['signatures']:,} signatures",
            f"count.json first {'/'.join(_n(v, 1) for v in count['first_ms'])}, cached p50 "
            f"{_n(count['cached_p50_ms'], 1)} ms; page first "
            f"{'/'.join(_n(v, 1) for v in page['first_ms'])}, cached p50 "
            f"{_n(page['cached_p50_ms'], 1)} ms; "
            f"letter_count_fresh p50 {_n(fresh['p50_ms'], 2)} ms",
            "the same at the top as at 1,000" if index == len(reads) - 1 else "",
            ok,
        )
    surge_runs = [runs[k] for k in runs if k.startswith("sign c=") or k == "freshness"]
    if surge_runs:
        during = max(run["emails_per_second_during"] for run in surge_runs)
        after = [run["mail_after"] for run in [*surge_runs, runs.get("open model") or {}] if run]
        drain_rates = [m["drain_rate"] for m in after if m.get("drain_rate")]
        backlog = max(m["backlog_at_start"] for m in after)
        undrained = [m for m in after if m["drain_seconds"] is None]
        drain = max((m["drain_seconds"] or 0) for m in after)
        best = max([during, *drain_rates])
        add(
            "confirmation emails delivered (2 workers)",
            f"{_n(during)}/s at most during a surge, {_n(max(drain_rates, default=None))}/s "
            "at most draining after",
            ">= 300/s",
            best >= 300,
        )
        add(
            "how far the links fell behind",
            f"up to {backlog:,} emails behind when a run stopped; drained in up to {_n(drain, 1)} s"
            + (f"; {len(undrained)} runs not drained within the cap" if undrained else ""),
            "a few seconds (<= 5 s)",
            not undrained and drain <= 5,
        )
    export = r.get("export")
    if export:
        rows_wanted = export.get("signatures", 1_000_000)
        limit = 15 * rows_wanted / 1_000_000  # 15 s a million
        target = f"<= {limit:g} s, <= 200 MB" + ("" if rows_wanted == 1_000_000 else " (15 s/M)")
        if "error" in export:
            add(f"CSV export of {rows_wanted:,}", f"failed: {export['error'][:160]}", target, False)
        else:
            peak_mb = export["peak_rss_mib"] * 1.048576
            add(
                f"CSV export of {export['rows']:,} signatures",
                f"{_n(export['seconds'], 1)} s, peak RSS {_n(peak_mb)} MB",
                target,
                export["seconds"] <= limit and peak_mb <= 200,
            )
    rest = r.get("memory_at_rest")
    if rest:
        mb = rest["pss_mib"] * 1.048576
        add("memory at rest, server + 1 worker (PSS)", f"{_n(mb)} MB", "<= 150 MB", mb <= 150)
    under = r.get("memory_under_load")
    if under:
        add(
            "memory under load, server + 2 workers (peak PSS)",
            f"{_n(under['pss_mib'] * 1.048576)} MB",
            "",
            None,
        )
    checks = {name: run["check"] for name, run in runs.items() if "check" in run}
    lost = sum(check["lost"] for check in checks.values())
    extra = sum(check["stored_unacknowledged"] for check in checks.values())
    add(
        "lost: acknowledged, not stored",
        f"{lost:,} over {len(checks)} runs ({extra:,} stored without an acknowledgement)",
        "0",
        lost == 0 and bool(checks),
    )
    drifts = {name: run["reconcile"] for name, run in runs.items() if "reconcile" in run}
    drifted = [name for name, check in drifts.items() if check["exit"] != 0]
    add(
        "drift: reconcile_counts --check",
        f"exit 0 after {len(drifts) - len(drifted)} of {len(drifts)} runs"
        + (f"; drift after {', '.join(drifted)}" if drifted else ""),
        "0",
        not drifted and bool(drifts),
    )
    return rows


def report(
    database: str,
    r: dict[str, Any],
    quick: bool,
    print_table: Callable[[list[str], list[list[str]]], None],
) -> None:
    load = r.get("load_before")
    during = r.get("load_during_max")
    print(
        f"{r.get('database', database)}"
        + (f"; load average before {load[0]:.2f}" if load else "")
        + (f", highest during the load runs {during:.2f}" if during else "")
    )
    print_table(["what", "figure", "target (issue 9)", "pass/miss"], rows_for(r, quick))
    for problem in r.get("problems", []):
        print(f"  ! {problem}")
