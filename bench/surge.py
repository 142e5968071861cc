"""Viral surge (issue 9): the one benchmark suite of the signing path, the public pages,
the count, the workers' mail, the export and the memory, on SQLite and PostgreSQL.

    uv run python bench/surge.py --quick                 # both databases, ~6 minutes
    uv run python bench/surge.py                         # the record: ~25 minutes
    uv run python bench/surge.py --database sqlite --threads 4 --json /tmp/s.json
    PYTHONPATH=/tmp/before/src /work/main/.venv/bin/python bench/surge.py --quick

For each database it makes a fresh site (harness.site_create: SQLite in a throwaway data
directory, or a throwaway PostgreSQL database beside --postgres-url, dropped at the end)
with the demo letters, SIGNATURE_RATE_LIMIT far out of reach and mail going to an SMTP sink
(aiosmtpd in a process of its own, counting; bench/update_send.py's). It starts the
production processes as an operator would: `undersigned serve --workers 2` (threads as
`undersigned serve` defaults unless --threads) and two `undersigned worker`, plus a helper
process inside the site (bench/surge_helper.py) that answers questions about the database.
All load goes to 127.0.0.1 from other processes, and every run is bounded in time.

The generators, and why:
- wrk (Debian package `wrk`) with bench/surge_sign.lua for the closed-model runs: sign
  POSTs at 8, 64 and 256 connections (a new address each time, differing before any
  +tag), confirm POSTs (with the links of the pending signatures, made by the helper with
  `confirmation_token`) and GETs. It is C on one thread and leaves the server nearly all of
  the 2 cores; statuses are tallied in Lua, and only redirects (302/303) to a sign POST
  count as acknowledged. Without wrk the same runs use an asyncio client (loadgen's).
- bench/surge_open.py for the latency at a fixed offered rate (1,000 a second): wrk keeps
  N connections busy, so when the server slows down it sends less and the requests it did
  not send never show up (coordinated omission); wrk2's -R would fix that but is not in
  Debian. surge_open.py is asyncio in its own process, sends request i at start + i/rate
  whatever the server does, and times each from its scheduled moment.
- nginx (Debian package `nginx-light`) with docs/deploy/nginx.conf, placeholders filled,
  as a non-daemon child with its own prefix directory, for the pages through the cache.
- count freshness: bench/count_freshness.py's Surge confirmers and poller (and its
  delays()), with wrk signing at 64 connections beside them ("full signing load").

After every load run it compares the acknowledged signatures (or confirmations) with the
rows stored, and runs `undersigned reconcile_counts --check` (drift must be 0). Targets are
issue 9's, printed beside each figure and never asserted. Writes everything to --json.
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

from count_freshness import Surge, delays
from harness import (
    HOST,
    LETTER,
    PYTHON,
    Site,
    free_port,
    groups_memory_kib,
    percentile,
    print_table,
    process_start,
    process_stop,
    site_create,
    stop_all,
)
from surge_report import report
from surge_tools import (
    INSTALL_HINT,
    NGINX,
    WRK,
    Helper,
    Nginx,
    Sampler,
    body,
    cpu_seconds,
    export_csv,
    get,
    gets,
    load,
    memory_total_mib,
    open_model,
    source_tree,
)
from update_send import Sink

SIGN_PATH = f"/letters/{LETTER}/sign/"
PAGE_PATH = f"/letters/{LETTER}/"
COUNT_PATH = f"/letters/{LETTER}/count.json"
SEED_LETTER = "academics-pledge-autonomous-weapons"  # the letter seeded with millions
ACKNOWLEDGED = (302, 303)  # a sign POST that redirects to the thank-you page
CONFIRMED = (200,)
OPEN_RATE = 1000.0
CONFIRM_CONNECTIONS = 32

MODES = {
    "quick": {
        "sign_seconds": 4,
        "open_seconds": 4,
        "confirm_seconds": 4,
        "get_seconds": 3,
        "fresh_seconds": 8,
        "drain_cap": 12,
        "open_grace": 5,
        "seeds": (1_000, 100_000, 1_000_000),
        "export_at": 100_000,  # the full mode exports a million
        "cached_reads": 100,
    },
    "full": {
        "sign_seconds": 15,
        "open_seconds": 10,
        "confirm_seconds": 10,
        "get_seconds": 8,
        "fresh_seconds": 25,
        "drain_cap": 90,
        "open_grace": 10,
        "seeds": (1_000, 1_000_000, 10_000_000),
        "export_at": 1_000_000,
        "cached_reads": 300,
    },
}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Bench:
    """One database's run: its site, its processes, and what they measured."""

    def __init__(self, args: argparse.Namespace, database: str) -> None:
        self.args = args
        self.mode = MODES["quick" if args.quick else "full"]
        self.database = database
        self.port = free_port()
        self.origin = f"http://{HOST}:{self.port}"
        self.smtp_port = free_port()
        url = args.postgres_url if database == "postgres" else ""
        self.site: Site = site_create(
            database_url=url,
            BASE_URL=self.origin,
            EMAIL_URL=f"smtp://{HOST}:{self.smtp_port}",
            SIGNATURE_RATE_LIMIT="1000000000/h",
            LOG_LEVEL="WARNING",
        )
        self.results: dict[str, Any] = {"database": self.site.database, "runs": {}}
        self.problems: list[str] = []
        self.emailed_total = 0  # signatures whose confirmation email the sink should get

    # Processes -----------------------------------------------------------------------

    def serve_command(self) -> list[str]:
        command = [PYTHON, "-m", "undersigned.cli", "serve", "--addr", f"{HOST}:{self.port}"]
        command += ["--workers", "2"]
        if self.args.threads:
            command += ["--threads", str(self.args.threads)]
        return command

    def server_start(self) -> None:
        log = self.site.data_dir / "serve.log"
        self.server = process_start(
            self.serve_command(), env=self.site.env, log=log, port=self.port
        )

    def start(self) -> None:
        self.sink = Sink(port=self.smtp_port)
        self.sink.start()
        self.server_start()
        self.workers = []
        for number in range(2):
            log = self.site.data_dir / f"worker-{number + 1}.log"
            command = [PYTHON, "-m", "undersigned.cli", "worker"]
            self.workers.append(process_start(command, env=self.site.env, log=log))
        self.helper = Helper(self.site)

    def pgids(self, workers: int = 2) -> list[int]:
        return [self.server.pid, *(w.pid for w in self.workers[:workers])]

    def stop(self) -> None:
        stop_all()
        self.sink.stop()

    # Checks after every run ----------------------------------------------------------

    def stored(self) -> dict[str, int]:
        return self.helper.ask("stored", slug=LETTER)

    def sunk(self) -> int:
        return int(self.sink.ask("count")["count"])

    def drift(self) -> dict[str, Any]:
        done = self.site.manage("reconcile_counts", "--check")
        text = (done.stdout + done.stderr).strip()
        drifted = [
            line for line in done.stdout.splitlines() if "stored" in line or "sum to" in line
        ]
        return {"exit": done.returncode, "drift_lines": drifted, "output": text[-600:]}

    def wait_quiet(self, cap: float = 30) -> dict[str, int]:
        """Wait until the server has no sign POSTs left to answer (requests a generator
        gave up on are still committed): until the stored rows stop growing for a second."""
        deadline = time.monotonic() + cap
        last = self.stored()
        while time.monotonic() < deadline:
            time.sleep(1)
            now = self.stored()
            if now == last:
                break
            last = now
        return last

    def settle(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Once writes stop: the workers catching up with the mail, and meanwhile (the
        count moves no more) `reconcile_counts --check`."""
        drift: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: drift.update(self.drift()))
        thread.start()
        mail = self.wait_for_mail(self.mode["drain_cap"])
        thread.join()
        return mail, drift

    def wait_for_mail(self, cap: float) -> dict[str, Any]:
        """Wait until the sink has had an email for every signature so far (at most `cap`
        seconds); how long that took, and at what rate the workers caught up."""
        started, first = time.monotonic(), self.sunk()
        expected = self.emailed_total
        seen = first
        while seen < expected and time.monotonic() - started < cap:
            time.sleep(0.2)
            seen = self.sunk()
        elapsed = time.monotonic() - started
        drained = seen - first
        return {
            "backlog_at_start": max(0, expected - first),
            "drain_seconds": round(elapsed, 2) if seen >= expected else None,
            "drain_rate": round(drained / elapsed, 1) if drained and elapsed > 0.2 else None,
            "left_after_cap": max(0, expected - seen),
        }

    def after_run(
        self, name: str, before: dict[str, int], acknowledged: int, *, kind: str
    ) -> dict[str, Any]:
        after = self.wait_quiet()
        if kind == "sign":
            stored = after["total"] - before["total"]
            self.emailed_total += stored
        else:
            stored = after["counted"] - before["counted"]
        check = {
            "acknowledged": acknowledged,
            "stored": stored,
            "lost": max(0, acknowledged - stored),
            "stored_unacknowledged": max(0, stored - acknowledged),
        }
        if check["lost"]:
            self.problems.append(f"{name}: {check['lost']} acknowledged but not stored")
        return check

    # The runs ------------------------------------------------------------------------

    def warm_up(self) -> None:
        for path in (PAGE_PATH, COUNT_PATH, "/"):
            load(self.port, "get", path, origin=self.origin, seconds=1, connections=4)
        before = self.stored()
        warm = load(self.port, "sign", SIGN_PATH, origin=self.origin, seconds=2, connections=8)
        self.after_run("warm-up", before, warm.count(*ACKNOWLEDGED), kind="sign")
        self.wait_for_mail(self.mode["drain_cap"])
        time.sleep(1)
        rss, pss = groups_memory_kib(self.pgids(workers=1))
        self.results["memory_at_rest"] = {"rss_mib": rss / 1024, "pss_mib": pss / 1024}
        rss, pss = groups_memory_kib(self.pgids())
        self.results["memory_at_rest_two_workers"] = {"rss_mib": rss / 1024, "pss_mib": pss / 1024}

    def sign_run(self, connections: int, sampler: Sampler) -> None:
        name = f"sign c={connections}"
        say(f"{self.database}: {name}, {self.mode['sign_seconds']} s")
        before, sunk_before = self.stored(), self.sunk()
        cpu_before = cpu_seconds(self.pgids())
        result = load(
            self.port,
            "sign",
            SIGN_PATH,
            origin=self.origin,
            seconds=self.mode["sign_seconds"],
            connections=connections,
        )
        sunk_during = self.sunk() - sunk_before
        cpu = cpu_seconds(self.pgids()) - cpu_before
        acknowledged = result.count(*ACKNOWLEDGED)
        check = self.after_run(name, before, acknowledged, kind="sign")
        mail, reconcile = self.settle()
        self.results["runs"][name] = {
            **result.as_json(),
            "acknowledged_per_second": round(acknowledged / result.seconds, 1),
            "server_and_workers_cpu_ms_per_signature": round(1000 * cpu / max(1, acknowledged), 2),
            "emails_during": sunk_during,
            "emails_per_second_during": round(sunk_during / result.seconds, 1),
            "mail_after": mail,
            "check": check,
            "reconcile": reconcile,
        }
        sampler.load_max = max(sampler.load_max, os.getloadavg()[0])

    def open_run(self) -> None:
        seconds = self.mode["open_seconds"]
        say(f"{self.database}: open model, {OPEN_RATE:g} sign POSTs a second for {seconds} s")
        before, sunk_before = self.stored(), self.sunk()
        data = open_model(
            self.port,
            SIGN_PATH,
            origin=self.origin,
            rate=OPEN_RATE,
            seconds=seconds,
            grace=self.mode["open_grace"],
        )
        sunk_during = self.sunk() - sunk_before
        acknowledged = sum(data["statuses"].get(str(s), 0) for s in ACKNOWLEDGED)
        check = self.after_run("open model", before, acknowledged, kind="sign")
        mail, reconcile = self.settle()
        latencies = [1000 * v for v in data.pop("latencies")]
        latencies += [float("inf")] * data["unfinished"]
        latencies.sort()
        self.results["runs"]["open model"] = {
            **data,
            "p50_ms": percentile(latencies, 0.5),
            "p95_ms": percentile(latencies, 0.95),
            "p99_ms": percentile(latencies, 0.99),
            "acknowledged": acknowledged,
            "grace_seconds": self.mode["open_grace"],
            "acknowledged_per_second": round(acknowledged / data["seconds"], 1),
            "emails_during": sunk_during,
            "mail_after": mail,
            "check": check,
            "reconcile": reconcile,
        }

    def confirm_run(self) -> None:
        seconds = self.mode["confirm_seconds"]
        mail = self.wait_for_mail(self.mode["drain_cap"])  # no worker backlog in the way
        say(f"{self.database}: confirmations, {seconds} s at {CONFIRM_CONNECTIONS} connections")
        given = self.helper.ask("tokens", slug=LETTER, after_id=0, limit=400_000)
        tokens = self.site.data_dir / "tokens.txt"
        tokens.write_text("\n".join(given["tokens"]) + "\n")
        self.last_token_id = given["last_id"]
        before = self.stored()
        result = load(
            self.port,
            "confirm",
            "/",
            origin=self.origin,
            seconds=seconds,
            connections=CONFIRM_CONNECTIONS,
            extra=str(tokens),
        )
        confirmed = result.count(*CONFIRMED)
        self.results["runs"]["confirm"] = {
            **result.as_json(),
            "tokens": len(given["tokens"]),
            "mail_backlog_before": mail["left_after_cap"],
            "ran_out_of_tokens": result.count(404) > 0,
            "confirmed_per_second": round(confirmed / result.seconds, 1),
            "check": (check := self.after_run("confirm", before, confirmed, kind="confirm")),
            # Counted by the database, answered or not before wrk stopped: the throughput
            # when the latency is a good part of the run.
            "counted_per_second": round(check["stored"] / result.seconds, 1),
            "reconcile": self.drift(),
        }

    def page_runs(self) -> None:
        seconds = self.mode["get_seconds"]
        pages = {"letter page": PAGE_PATH, "count.json": COUNT_PATH}
        headers: dict[str, Any] = {}
        for name, path in pages.items():
            say(f"{self.database}: {name} from the server, {seconds} s")
            status, first, _ = get(self.port, path)
            validator = first.get("etag")
            conditional = (
                gets(self.port, path, 100, {"If-None-Match": validator}) if validator else []
            )
            headers[name] = {
                "status": status,
                "cache_control": first.get("cache-control"),
                "etag": validator,
                "last_modified": first.get("last-modified"),
                "vary": first.get("vary"),
                "conditional_sent": len(conditional),
                "conditional_304": sum(answer[0] == 304 for answer in conditional),
            }
            result = load(
                self.port, "get", path, origin=self.origin, seconds=seconds, connections=64
            )
            self.results["runs"][f"{name} (server)"] = result.as_json()
        self.results["headers"] = headers
        if not NGINX:
            self.problems.append("nginx is not installed: " + INSTALL_HINT)
            return
        nginx = Nginx(upstream_ports=[self.port], static_root=self.site.data_dir / "static")
        nginx.start()
        try:
            for name, path in pages.items():
                say(f"{self.database}: {name} through nginx, {seconds} s")
                get(nginx.port, path)
                cpu_before = cpu_seconds([self.server.pid])
                result = load(
                    nginx.port, "get", path, origin=self.origin, seconds=seconds, connections=256
                )
                cpu = cpu_seconds([self.server.pid]) - cpu_before
                sample = gets(nginx.port, path, 50)
                statuses: dict[str, int] = {}
                for _, answer_headers, _ in sample:
                    cache = answer_headers.get("x-cache-status", "none")
                    statuses[cache] = statuses.get(cache, 0) + 1
                self.results["runs"][f"{name} (nginx)"] = {
                    **result.as_json(),
                    "app_server_cpu_seconds": round(cpu, 2),
                    "x_cache_status_of_50": statuses,
                }
        finally:
            nginx.stop()

    def freshness_run(self) -> None:
        seconds = self.mode["fresh_seconds"]
        say(f"{self.database}: count freshness, {seconds} s under wrk signing at 64 connections")
        before, sunk_before = self.stored(), self.sunk()
        signing: dict[str, Any] = {}

        def sign() -> None:
            signing["load"] = load(
                self.port, "sign", SIGN_PATH, origin=self.origin, seconds=seconds, connections=64
            )

        thread = threading.Thread(target=sign)
        thread.start()
        surge, initial = asyncio.run(self._freshness(seconds))
        thread.join()
        sunk_during = self.sunk() - sunk_before
        result = signing["load"]
        acknowledged = result.count(*ACKNOWLEDGED)
        all_delays, marker_delays, unseen = delays(surge, initial)
        confirmed = sum(c.ok for c in surge.confirmations)
        check = self.after_run("freshness", before, acknowledged, kind="sign")
        counted = self.stored()["counted"] - before["counted"]
        if counted < confirmed:
            self.problems.append(
                f"freshness: {confirmed} confirm POSTs answered 200, counted rows moved {counted}"
            )
        mail, reconcile = self.settle()
        self.results["runs"]["freshness"] = {
            "signing": result.as_json(),
            "acknowledged_per_second": round(acknowledged / result.seconds, 1),
            "confirmed": confirmed,
            "counted_rows_added": counted,
            "confirm_errors": sum(not c.ok for c in surge.confirmations),
            "polls": len(surge.polls),
            "delays": len(all_delays),
            "delay_p50_s": percentile(all_delays, 0.5),
            "delay_p95_s": percentile(all_delays, 0.95),
            "delay_max_s": max(all_delays, default=float("nan")),
            "marker_delay_max_s": max(marker_delays, default=float("nan")),
            "unseen": unseen,
            "emails_during": sunk_during,
            "emails_per_second_during": round(sunk_during / result.seconds, 1),
            "mail_after": mail,
            "check": check,
            "count_after": json.loads(body(self.port, COUNT_PATH)),
            "reconcile": reconcile,
        }

    async def _freshness(self, seconds: float) -> tuple[Surge, int]:
        surge = Surge(port=self.port, origin=self.origin, tokens=asyncio.Queue())
        await asyncio.sleep(1.5)  # wrk is signing by now; let a cached count expire
        initial = json.loads(body(self.port, COUNT_PATH))["total_signatures"]
        surge.deadline = time.monotonic() + seconds - 2

        async def feed() -> None:
            last = self.last_token_id
            while time.monotonic() < surge.deadline:
                given = await asyncio.to_thread(
                    self.helper.ask, "tokens", slug=LETTER, after_id=last, limit=2000
                )
                last = given["last_id"]
                for token in given["tokens"]:
                    surge.tokens.put_nowait(token)
                await asyncio.sleep(0.25)

        poller = asyncio.create_task(surge.poller())
        await asyncio.gather(
            feed(),
            *(surge.confirmer(marker=False) for _ in range(8)),
            surge.confirmer(marker=True),
        )
        await asyncio.sleep(3)  # polls after writes stop
        surge.polling = False
        await poller
        return surge, initial

    def count_reads(self) -> None:
        rows = []
        for total in self.mode["seeds"]:
            say(f"{self.database}: seeding {SEED_LETTER} up to {total:,} signatures")
            seeded = self.helper.ask("seed", slug=SEED_LETTER, total=total)
            process_stop(self.server)  # its caches go with it
            self.server_start()
            for _ in range(8):  # on new connections, so that both web workers warm up
                for path in (PAGE_PATH, COUNT_PATH):
                    get(self.port, path)
            reads: dict[str, Any] = {"signatures": seeded["letter_signatures"], "seed": seeded}
            for name, path in (
                ("count.json", f"/letters/{SEED_LETTER}/count.json"),
                ("letter page", f"/letters/{SEED_LETTER}/"),
            ):
                first = [get(self.port, path)[2] for _ in range(2)]  # one per web worker
                cached = sorted(a[2] for a in gets(self.port, path, self.mode["cached_reads"]))
                reads[name] = {
                    "first_ms": first,
                    "cached_p50_ms": percentile(cached, 0.5),
                    "cached_p99_ms": percentile(cached, 0.99),
                }
            fresh = self.helper.ask("count_fresh", slug=SEED_LETTER, repeat=200)
            times = [1000 * t for t in fresh["times"]]
            reads["letter_count_fresh"] = {
                "p50_ms": percentile(times, 0.5),
                "p99_ms": percentile(times, 0.99),
                "total": fresh["total"],
            }
            rows.append(reads)
            if total == self.mode["export_at"]:
                self.results["export"] = self.export(total)
        self.results["count_reads"] = rows

    def export(self, total: int) -> dict[str, Any]:
        say(f"{self.database}: CSV export of {SEED_LETTER} ({total:,} signatures)")
        return export_csv(self.site, SEED_LETTER, total, self.args.export_timeout)

    def run(self) -> dict[str, Any]:
        try:
            self.start()
            self.results["src"] = self.helper.src
            self.results["load_before"] = os.getloadavg()
            say(f"{self.database}: {self.site.database}, serving on {self.origin}")
            self.warm_up()
            with Sampler(self.pgids()) as sampler:
                for connections in (8, 64, 256):
                    self.sign_run(connections, sampler)
                self.open_run()
                self.confirm_run()
                self.freshness_run()
            self.results["memory_under_load"] = {
                "rss_mib": sampler.rss_kib / 1024,
                "pss_mib": sampler.pss_kib / 1024,
            }
            self.results["load_during_max"] = sampler.load_max
            self.page_runs()
            self.count_reads()
        except Exception as error:  # report what was measured, and what broke
            self.problems.append(f"the run stopped: {type(error).__name__}: {error}")
        finally:
            self.results["problems"] = self.problems + self.log_errors()
            self.stop()
        return self.results

    def log_errors(self) -> list[str]:
        """Tracebacks and errors the servers and workers logged."""
        found = []
        for log in sorted(self.site.data_dir.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()
            bad = [
                line
                for line in lines
                if "Traceback" in line or " ERROR " in line or "Error:" in line
            ]
            if bad:
                found.append(f"{log.name}: {len(bad)} error lines, e.g. {bad[-1][:300]}")
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few minutes, not the record")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DATABASE_URL", "")
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else "postgres://postgres@127.0.0.1:5432/test",
        help="a database on the server to create the throwaway database beside",
    )
    parser.add_argument("--threads", type=int, help="--threads for `undersigned serve`")
    parser.add_argument(
        "--json", help="where to write the results (default /tmp/surge-<commit>.json)"
    )
    parser.add_argument("--export-timeout", type=float, default=240)
    args = parser.parse_args()
    if not WRK:
        print("wrk is not installed: " + INSTALL_HINT, file=sys.stderr)
    tree = source_tree()
    started = time.time()
    record: dict[str, Any] = {
        "suite": "bench/surge.py",
        "mode": "quick" if args.quick else "full",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "tree": tree,
        "machine": {
            "cores": os.cpu_count(),
            "memory_mib": round(memory_total_mib()),
            "load_average_before": os.getloadavg(),
        },
        "generators": {
            "closed": "wrk" if WRK else "python (bench/loadgen.py client)",
            "open": "bench/surge_open.py",
            "nginx": NGINX,
        },
        "serve_threads": args.threads or "undersigned serve's default",
        "databases": {},
    }
    print(
        f"undersigned from {tree['src']} at {tree['commit'][:12]} "
        f"({tree['uncommitted_changes_in_src']} uncommitted changes in it); "
        f"{os.cpu_count()} cores, {record['machine']['memory_mib']:,} MiB, load average "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg()),
        flush=True,
    )
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    try:
        for database in databases:
            record["databases"][database] = Bench(args, database).run()
    finally:
        stop_all()
    record["seconds"] = round(time.time() - started, 1)
    record["machine"]["load_average_after"] = os.getloadavg()
    record["bench_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    path = Path(args.json or f"/tmp/surge-{tree['commit'][:12]}.json")
    path.write_text(json.dumps(record, indent=2, default=str))
    for database in databases:
        print()
        report(database, record["databases"][database], args.quick, print_table)
    print(f"\nresults: {path} ({record['seconds'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
