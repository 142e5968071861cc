"""How many confirmation emails a second do two workers deliver, and how far behind a
signing surge do they fall?

    uv run python bench/confirmation_mail.py                        # SQLite, 5,000 signers
    uv run python bench/confirmation_mail.py --database postgres    # a fresh PostgreSQL database
    uv run python bench/confirmation_mail.py --database both        # one after the other
    uv run python bench/confirmation_mail.py --surge 200 --seconds 15   # signing while they send
    uv run python bench/confirmation_mail.py --py-spy ~/.local/bin/py-spy   # where the CPU goes

Backlog mode (the default): sets up a throwaway site without the demo letters (SQLite in its
data directory, or a PostgreSQL database created beside the one --postgres-url names and
dropped afterwards), creates a published letter and --signers pending signatures in bulk,
each built by the product's `signature_build` and enqueued with its `send_confirmation` task
in one transaction, as `signature_create` does one at a time. Then it starts an SMTP sink
(aiosmtpd in a process of its own, recording when each recipient's message arrived) and two
`undersigned worker` processes with EMAIL_URL pointing at it, and times the first message's
arrival to the last's.

Surge mode (--surge RATE): the workers start first, idle; then this process signs at RATE
signatures a second for --seconds through `signature_create` (each its own durable
transaction, as the sign form's), and the lag of each confirmation email, from its signature's
commit to its arrival at the sink, is printed as p50/p99/max, with how long the queue took to
drain after the surge ended.

Both check that exactly one message arrived for each signer, and print the messages a second
and the workers' CPU time a message (read from /proc). With --py-spy (a py-spy binary, not a
project dependency) the workers are sampled while they send and the samples broken down by
step. Prints numbers; asserts nothing.
"""

import argparse
import atexit
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from harness import (
    HOST,
    PYTHON,
    Site,
    free_port,
    group_cpu_seconds,
    machine_note,
    percentile,
    print_table,
    process_start,
    process_stop,
    stop_all,
)
from update_send import command_line, kept_dir, machine_cpu, site_fresh, without_database

WORKERS = 2
BASE_URL = "http://127.0.0.1:8000"  # only written into the links; nothing serves it
FRAME = re.compile(r"^(?P<function>[^ ]+) \((?P<file>[^:]+):\d+\)$")
# (category, file ending, function): the innermost match names a py-spy sample's step.
SAMPLED = [
    ("rendering the templates", "django/template/base.py", "render"),
    ("rendering the templates", "django/template/loader.py", "render_to_string"),
    ("signed links (tokens)", "signing/tokens.py", "confirmation_token"),
    ("signed links (tokens)", "signing/tokens.py", "manage_token"),
    ("building the MIME message", "django/core/mail/message.py", "message"),
    ("SMTP: talking to the relay", "smtplib.py", "sendmail"),
    ("SMTP: connecting", "smtplib.py", "connect"),
    ("SMTP: connecting", "smtplib.py", "ehlo"),
    ("SMTP: connecting", "smtplib.py", "quit"),
    ("the once-per-key record", "mail/messages.py", "_claim"),
    ("the once-per-key record", "mail/messages.py", "_record"),
    ("the once-per-key record", "mail/messages.py", "_send_once"),
    ("loading the signature", "signing/models.py", "loaded"),
    ("running the task (other)", "signing/tasks.py", "_send"),
    ("claiming the task", "django_tasks_db/models.py", "get_locked"),
    ("claiming the task", "django_tasks_db/models.py", "claim"),
    ("marking it done", "django_tasks_db/models.py", "set_successful"),
    ("task bookkeeping (signals, result)", "django_tasks_db/models.py", "task_result"),
    ("task bookkeeping (signals, result)", "django_tasks_db/models.py", "task"),
    ("task bookkeeping (signals, result)", "django/dispatch/dispatcher.py", "send"),
    ("polling and connection checks", "django/db/__init__.py", "close_old_connections"),
    ("lease watchdog", "background/leases.py", "leases_expire"),
]
OTHER = "other (the worker loop, startup)"


# The SMTP sink, in a process of its own -------------------------------------------------


class _Arrivals:
    """An aiosmtpd handler that takes every message and notes when each recipient's came."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.monotonic()
        self.arrivals.extend((rcpt, now) for rcpt in envelope.rcpt_tos)
        return "250 OK"

    async def snapshot(self, full: bool) -> dict[str, Any]:
        times = [t for _r, t in self.arrivals]
        out: dict[str, Any] = {
            "count": len(times),
            "first": min(times) if times else None,
            "last": max(times) if times else None,
        }
        if full:
            out["arrivals"] = list(self.arrivals)
        return out


def sink_main(port: int, control: Connection) -> None:
    import asyncio

    from aiosmtpd.controller import Controller

    os.setsid()  # a group of its own, so its CPU time can be read and it stops alone
    handler = _Arrivals()
    controller = Controller(handler, hostname=HOST, port=port, server_hostname="sink.test")
    controller.start()
    control.send("ready")
    try:
        while (command := control.recv()) != "stop":
            work = handler.snapshot(command == "dump")
            control.send(asyncio.run_coroutine_threadsafe(work, controller.loop).result())
    finally:
        controller.stop()


@dataclass
class Sink:
    port: int
    process: Any = None
    control: Connection | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.control, theirs = context.Pipe()
        self.process = context.Process(target=sink_main, args=(self.port, theirs), daemon=True)
        self.process.start()
        if not self.control.poll(30) or self.control.recv() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        atexit.register(self.stop)

    def ask(self, command: str) -> dict[str, Any]:
        assert self.control is not None
        with self.lock:
            self.control.send(command)
            return self.control.recv()

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process is None or not self.process.is_alive():
            return
        try:
            assert self.control is not None
            self.control.send("stop")
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


# The site ---------------------------------------------------------------------------------


def letter_open() -> Any:
    """An organisation and a published letter anyone may sign."""
    from undersigned.accounts.models import User
    from undersigned.letters.models import Letter, Target
    from undersigned.letters.publishing import letter_publish
    from undersigned.organisations.memberships import organisation_create

    owner = User.objects.create_user("organiser@bench.example", "a long organiser password")
    organisation = organisation_create(
        name="Open Streets Alliance", owner=owner, contact_email="team@streets.example"
    )
    letter = Letter.objects.create(
        organisation=organisation,
        slug="drop-the-camera-contract",
        title="Drop the camera contract",
        body="We ask **Northwind** to drop the contract.",
        goal=None,
    )
    Target.objects.create(
        letter=letter, name="Dana Whitfield", role="CEO", organisation="Northwind Systems"
    )
    letter_publish(letter=letter)
    return letter


def signer(n: int) -> Any:
    from undersigned.signing.signatures import SignatureInput

    return SignatureInput(
        name=f"Signer {n}", email=f"signer{n}@example.org", display="full", consent_updates=True
    )


def pending_bulk(letter: Any, signers: int) -> None:
    """`signers` pending signatures, each with its confirmation task, in one transaction."""
    from django.db import transaction

    from undersigned.signing.models import Signature
    from undersigned.signing.signatures import signature_build
    from undersigned.signing.tasks import send_confirmation

    chunk = 2_000
    with transaction.atomic():
        for first in range(0, signers, chunk):
            built = [
                signature_build(letter=letter, data=signer(n))
                for n in range(first, min(first + chunk, signers))
            ]
            for signature in Signature.objects.bulk_create(built):
                send_confirmation.enqueue(signature.pk)


def surge(letter: Any, rate: float, seconds: float) -> dict[str, float]:
    """Sign at `rate` a second for `seconds`, one durable transaction each; when each
    signer's signature was committed (time.monotonic, comparable with the sink's)."""
    from undersigned.signing.signatures import signature_create

    committed: dict[str, float] = {}
    start = time.monotonic()
    total = int(rate * seconds)
    for n in range(total):
        due = start + n / rate
        if (pause := due - time.monotonic()) > 0:
            time.sleep(pause)
        data = signer(n)
        signature_create(letter=letter, data=data)
        committed[data.email] = time.monotonic()
    return committed


# The workers ----------------------------------------------------------------------------


def workers_start(site: Site, env: dict[str, str]) -> list[Any]:
    workers = []
    for number in range(1, WORKERS + 1):
        name = f"w{number}"
        command = [PYTHON, "-m", "undersigned.cli", "worker", "--worker-id", name]
        log = site.data_dir / f"worker-{name}.log"
        workers.append((process_start(command, env=env, log=log), log))
    deadline = time.monotonic() + 60
    while not all("Starting worker" in log.read_text(errors="replace") for _, log in workers):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the workers did not start:\n{logs(site)}")
        time.sleep(0.1)
    time.sleep(1.0)  # each waits up to a second more before its first poll
    return [process for process, _ in workers]


def logs(site: Site) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
        for log in sorted(site.data_dir.glob("worker-*.log"))
    )


def spies_start(py_spy: str, workers: list[Any], site: Site) -> list[tuple[Any, Path]]:
    spies = []
    for worker in workers:
        out = site.data_dir / f"py-spy-{worker.pid}.txt"
        command = [py_spy, "record", "--pid", str(worker.pid), "--rate", "250", "--nonblocking"]
        command += ["--format", "raw", "--output", str(out)]
        log = (site.data_dir / "py-spy.log").open("ab")
        spies.append((subprocess.Popen(command, stdout=log, stderr=log), out))
    return spies


def spies_stop(spies: list[tuple[Any, Path]]) -> dict[str, int]:
    import shutil

    for spy, _out in spies:
        spy.send_signal(2)
    counts: Counter[str] = Counter()
    for spy, out in spies:
        spy.wait(30)
        if not out.exists():
            continue
        shutil.copy(out, kept_dir())
        for line in out.read_text(errors="replace").splitlines():
            stack, _, number = line.rpartition(" ")
            if number.isdigit():
                counts[_category([FRAME.match(f) for f in stack.split(";")])] += int(number)
    return dict(counts)


def _category(frames: list[re.Match[str] | None]) -> str:
    for frame in reversed(frames):
        if frame is None:
            continue
        name = frame["function"].rpartition(".")[2]
        for category, ending, function in SAMPLED:
            if name == function and frame["file"].endswith(ending):
                return category
    return OTHER


def print_sampled(counts: dict[str, int], messages: int) -> None:
    total = sum(counts.values())
    if not total:
        print("py-spy took no samples")
        return
    ms = 4.0  # a sample every 4 ms (--rate 250)
    print(
        f"py-spy, both workers, while they sent: {total:,} samples of running code "
        f"(~{total * ms / 1000:.1f} CPU s, {total * ms / max(1, messages):.2f} ms a message):"
    )
    order = [*dict.fromkeys(category for category, _e, _f in SAMPLED), OTHER]
    print_table(
        ["where the workers' CPU went", "share", "ms a message"],
        [
            [c, f"{counts[c] / total:.1%}", f"{counts[c] * ms / max(1, messages):.2f}"]
            for c in order
            if counts.get(c)
        ],
    )


# One run --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    smtp_port = free_port()
    extra = {"DJANGO_SETTINGS_MODULE": args.settings} if args.settings else {}
    site = site_fresh(
        args.database,
        args.postgres_url,
        BASE_URL=BASE_URL,
        EMAIL_URL=f"smtp://{HOST}:{smtp_port}",
        **extra,
    )
    os.environ.update(site.env)
    import django

    django.setup()
    from django.db import connection

    print(f"database: {site.database}; {machine_note()}", flush=True)
    letter = letter_open()
    sink = Sink(port=smtp_port)
    sink.start()
    expected = args.signers if not args.surge else int(args.surge * args.seconds)
    committed: dict[str, float] = {}
    if not args.surge:
        started = time.perf_counter()
        pending_bulk(letter, args.signers)
        print(
            f"created {args.signers:,} pending signatures and their confirmation tasks in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        connection.close()  # nothing of the bench's holds the database while the workers run
    workers = workers_start(site, {**site.env, "LOG_LEVEL": "WARNING"})

    def worker_cpu() -> float:
        return sum(group_cpu_seconds(w.pid) for w in workers)

    idle_from = (time.monotonic(), worker_cpu())
    marks: dict[str, tuple[float, float, float, tuple[int, int]]] = {}

    def mark(name: str) -> None:
        marks[name] = (time.monotonic(), worker_cpu(), sink.cpu_seconds(), machine_cpu())

    spies: list[tuple[Any, Path]] = []
    if args.py_spy:
        spies = spies_start(args.py_spy, workers, site)
    if args.surge:
        time.sleep(2.0)
        idle_cpu_ms_s = (worker_cpu() - idle_from[1]) * 1000 / (time.monotonic() - idle_from[0])
        mark("first")
        committed = surge(letter, args.surge, args.seconds)
        mark("surge_end")
        connection.close()
    deadline = time.monotonic() + args.timeout
    seen: dict[str, Any] = {"count": 0}
    last_print, last_count = time.monotonic(), 0
    while time.monotonic() < deadline:
        seen = sink.ask("count")
        if seen["count"] and "first" not in marks:
            mark("first")
        if seen["count"] >= expected:
            break
        if any(w.poll() is not None for w in workers):
            print("a worker exited:\n" + logs(site))
            break
        if time.monotonic() - last_print >= 5:
            rate = (seen["count"] - last_count) / (time.monotonic() - last_print)
            print(f"  {seen['count']:>7,} of {expected:,} arrived ({rate:,.0f}/s)", flush=True)
            last_print, last_count = time.monotonic(), seen["count"]
        time.sleep(0.02)
    mark("done")
    sampled = spies_stop(spies) if spies else None
    if not args.surge:
        # What the workers cost while there is nothing to do: the idle poll.
        idle_start = (time.monotonic(), worker_cpu())
        time.sleep(5.0)
        idle_cpu_ms_s = (worker_cpu() - idle_start[1]) * 1000 / (time.monotonic() - idle_start[0])
    time.sleep(1.0)  # any extra copy would arrive meanwhile
    dump = sink.ask("dump")
    for worker in workers:
        process_stop(worker)
    sink.stop()

    arrivals = dump["arrivals"]
    per_rcpt = Counter(rcpt for rcpt, _t in arrivals)
    wanted = {f"signer{n}@example.org" for n in range(expected)}
    missing = len(wanted - set(per_rcpt))
    duplicates = sum(n - 1 for n in per_rcpt.values() if n > 1)
    strangers = len(set(per_rcpt) - wanted)
    first_t, first_cpu, first_sink, first_machine = marks["first"]
    _done_t, done_cpu, done_sink, done_machine = marks["done"]
    messages = len(arrivals)
    span = (dump["last"] - dump["first"]) if messages > 1 else float("nan")
    busy, total = (done_machine[0] - first_machine[0]), (done_machine[1] - first_machine[1])
    result: dict[str, Any] = {
        "database": site.database,
        "mode": f"surge {args.surge:g}/s for {args.seconds:g} s" if args.surge else "backlog",
        "messages": messages,
        "expected": expected,
        "missing": missing,
        "duplicates": duplicates,
        "strangers": strangers,
        "seconds": span,
        "rate": (messages - 1) / span if messages > 1 else 0.0,
        "worker_cpu_ms": (done_cpu - first_cpu) * 1000 / max(1, messages),
        "sink_cpu_ms": (done_sink - first_sink) * 1000 / max(1, messages),
        "idle_cpu_ms_s": idle_cpu_ms_s,
        "machine_busy": busy / total if total else float("nan"),
        "sampled": sampled,
    }
    if args.surge:
        first_arrival: dict[str, float] = {}
        for rcpt, t in arrivals:
            first_arrival.setdefault(rcpt, t)
        lags = sorted(first_arrival[r] - c for r, c in committed.items() if r in first_arrival)
        result |= {
            "signed_rate": len(committed) / (marks["surge_end"][0] - first_t),
            "lag_p50": percentile(lags, 0.5),
            "lag_p99": percentile(lags, 0.99),
            "lag_max": lags[-1] if lags else float("nan"),
            "drain_after_surge": dump["last"] - marks["surge_end"][0],
        }
    print_run(result)
    return result


def print_run(r: dict[str, Any]) -> None:
    print(
        f"{r['messages']:,} messages ({r['mode']}) in {r['seconds']:.2f} s: "
        f"{r['rate']:,.0f} messages/s; missing {r['missing']}, duplicates {r['duplicates']}, "
        f"to strangers {r['strangers']}"
    )
    print(
        f"CPU a message: workers {r['worker_cpu_ms']:.2f} ms, sink {r['sink_cpu_ms']:.2f} ms; "
        f"idle workers {r['idle_cpu_ms_s']:.1f} ms of CPU a second; machine busy "
        f"{r['machine_busy']:.0%} while they sent"
    )
    if "lag_p50" in r:
        print(
            f"signed {r['signed_rate']:,.0f}/s; lag from commit to arrival: p50 "
            f"{r['lag_p50']:.2f} s, p99 {r['lag_p99']:.2f} s, max {r['lag_max']:.2f} s; "
            f"the last arrived {r['drain_after_surge']:.2f} s after the surge ended"
        )
    if r.get("sampled"):
        print_sampled(r["sampled"], r["messages"])
    print(flush=True)


def table(results: list[dict[str, Any]]) -> None:
    headers = ["database", "mode", "messages", "msg/s", "worker CPU ms/msg", "idle ms/s"]
    headers += ["lag p99 s", "missing", "dupes"]
    rows = [
        [
            r["database"],
            r["mode"],
            f"{r['messages']:,}",
            f"{r['rate']:,.0f}",
            f"{r['worker_cpu_ms']:.2f}",
            f"{r['idle_cpu_ms_s']:.1f}",
            f"{r['lag_p99']:.2f}" if "lag_p99" in r else "",
            str(r["missing"]),
            str(r["duplicates"]),
        ]
        for r in results
    ]
    print_table(headers, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--signers", type=int, default=5_000, help="pending signatures (backlog)")
    parser.add_argument("--surge", type=float, default=0, help="sign at this rate meanwhile")
    parser.add_argument("--seconds", type=float, default=15, help="how long the surge lasts")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DATABASE_URL", "").strip()
        if os.environ.get("DATABASE_URL", "").startswith(("postgres:", "postgresql:"))
        else "postgres://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the mail")
    parser.add_argument("--py-spy", metavar="PATH", help="a py-spy binary: sample the workers")
    parser.add_argument(
        "--settings", help="a settings module on PYTHONPATH to try instead of undersigned.settings"
    )
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.json:
        print(f"command: {command_line()}", flush=True)
    if args.database != "both":
        try:
            result = run(args)
        finally:
            stop_all()
        if args.json:
            Path(args.json).write_text(json.dumps(result, default=str))
        else:
            table([result])
        return
    results = []
    with tempfile.TemporaryDirectory() as out:
        for database in ("sqlite", "postgres"):
            path = Path(out) / f"{database}.json"
            argv = without_database(sys.argv[1:])
            child = [PYTHON, sys.argv[0], *argv, "--database", database, "--json", str(path)]
            print(f"\n=== {database} ===", flush=True)
            done = subprocess.run(child, check=False)
            if done.returncode == 0 and path.exists():
                results.append(json.loads(path.read_text()))
            else:
                print(f"the {database} run failed (exit {done.returncode})")
    print(f"\ncommand: {command_line()}; {WORKERS} workers")
    table(results)


if __name__ == "__main__":
    main()
