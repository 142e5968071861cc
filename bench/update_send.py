"""How many update messages a second do two workers hand to the relay?

    uv run python bench/update_send.py                        # SQLite, 20,000 signers
    uv run python bench/update_send.py --database postgres    # a fresh PostgreSQL database
    uv run python bench/update_send.py --database both        # one after the other, one table
    uv run python bench/update_send.py --py-spy "$(which py-spy)"   # where their CPU goes
    uv run python bench/update_send.py --profile              # the workers under cProfile

Sets up a throwaway data directory (SQLite in it, or a PostgreSQL database created beside
the one --postgres-url names and dropped afterwards), migrates it, and creates an
organisation, a published letter and --signers counted signatures that consented to
updates, in bulk. Starts an SMTP sink (aiosmtpd, in a process of its own) that only counts
what it receives, and first measures the sink alone: two processes blast it with the same
update message over smtplib, so its ceiling is printed beside the result. Then it creates an
update, starts two `undersigned worker` processes (UPDATE_SEND_RATE=0: unthrottled), calls
`update_send` and times, from the first message's arrival at the sink to the last's, the
messages a second; and how long listing the recipients took (the `list_recipients` task, as
the database recorded it). It checks that exactly one message arrived for each address, and
that every recipient row ends sent. CPU time per message is printed for the workers, the
sink and (on PostgreSQL) the backends serving the run's database (its WAL writer and
checkpointer not counted), read from /proc, with how busy the machine
was and how much of that was this run: on a machine shared with other work the rate moves
with the neighbours, the CPU time a message far less. "CPU-bound msg/s" is the rate that
CPU time would allow with every core to this run and no waiting.

With --py-spy (a py-spy binary, not a project dependency: `uv tool install py-spy`, or a
venv of its own) the workers are sampled while they send, and the samples of running code
are broken down by step: template rendering, token and HMAC work, each database read and
write, MIME and SMTP. py-spy counts a thread that is runnable but waiting for a core as
running, so on a busy machine the steps that block (SMTP replies, commits) weigh more than
their CPU time. With --profile the workers run under cProfile (wall-clock time, nested
totals); it slows Python code down, so those runs' rates are not the benchmark's.
Prints numbers; asserts nothing.
"""

import argparse
import atexit
import contextlib
import json
import multiprocessing
import os
import pstats
import re
import shlex
import shutil
import smtplib
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
from urllib.parse import urlsplit

from harness import (
    HOST,
    PYTHON,
    ROOT,
    Site,
    _throwaway_database,
    free_port,
    group_cpu_seconds,
    machine_note,
    print_table,
    process_start,
    process_stop,
    stop_all,
)

WORKERS = 2
BASE_URL = "http://127.0.0.1:8000"  # only written into the links; nothing serves it
BLAST_MESSAGES = 5_000  # per blasting process, when the sink is measured alone
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
UPDATE_BODY = """\
The board of Northwind met on Tuesday and put the camera contract on its agenda for the
first time. **Thank you**: every one of your signatures was counted in the room.

What happens next:

- the board votes on the contract at its next meeting, on the 14th;
- we deliver the letter again, with every new signature, the day before;
- a public hearing follows, where anyone may speak.

Read [the board's agenda](https://northwind.example/board/agenda) and, if you can, come
to the hearing. Share the letter with one more person who would sign it.
"""


# The SMTP sink, in a process of its own -------------------------------------------------


class _Counting:
    """An aiosmtpd handler that takes every message and keeps only what the checks need."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.rcpts: Counter[str] = Counter()
        self.message_ids: set[bytes] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.times.append(time.monotonic())
        self.rcpts.update(envelope.rcpt_tos)
        found = MESSAGE_ID.search(envelope.original_content or b"")
        if found:
            self.message_ids.add(found.group(1))
        return "250 OK"

    async def snapshot(self, full: bool) -> dict[str, Any]:
        times = self.times
        out: dict[str, Any] = {
            "count": len(times),
            "first": times[0] if times else None,
            "last": times[-1] if times else None,
        }
        if full:
            out |= {
                "times": list(times),
                "rcpts": dict(self.rcpts),
                "message_ids": len(self.message_ids),
            }
        return out

    async def reset(self) -> dict[str, Any]:
        self.times, self.rcpts, self.message_ids = [], Counter(), set()
        return {}


def sink_main(port: int, control: Connection) -> None:
    """Run the sink until told to stop; answer the bench's questions on `control`."""
    import asyncio

    from aiosmtpd.controller import Controller

    os.setsid()  # a group of its own, so its CPU time can be read and it stops alone
    handler = _Counting()
    controller = Controller(handler, hostname=HOST, port=port, server_hostname="sink.test")
    controller.start()
    control.send("ready")
    try:
        while True:
            command = control.recv()
            if command == "stop":
                break
            work = handler.reset() if command == "reset" else handler.snapshot(command == "dump")
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


def blast_main(port: int, count: int, payload: bytes, tag: str) -> None:
    """Send the same message `count` times over one connection, each to a new address."""
    with smtplib.SMTP(HOST, port) as client:
        for number in range(count):
            client.sendmail("bench@example.org", [f"blast-{tag}-{number}@example.org"], payload)


def sink_ceiling(sink: Sink, payload: bytes, processes: int, per_process: int) -> dict[str, float]:
    """Messages a second the sink takes from `processes` smtplib clients, and its CPU cost."""
    sink.ask("reset")
    context = multiprocessing.get_context("spawn")
    blasters = [
        context.Process(target=blast_main, args=(sink.port, per_process, payload, str(n)))
        for n in range(processes)
    ]
    cpu_before = sink.cpu_seconds()
    for blaster in blasters:
        blaster.start()
    for blaster in blasters:
        blaster.join()
    seen = sink.ask("count")
    cpu = sink.cpu_seconds() - cpu_before
    sink.ask("reset")
    messages = seen["count"]
    seconds = (seen["last"] - seen["first"]) if messages > 1 else float("nan")
    return {
        "messages": messages,
        "rate": (messages - 1) / seconds if messages > 1 else 0.0,
        "cpu_ms": cpu * 1000 / max(1, messages),
    }


# Reading the machine --------------------------------------------------------------------


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


@dataclass
class PostgresBackends:
    """CPU time of the PostgreSQL backends serving one database, sampled now and then: a
    backend that ends (a worker reconnects) keeps what it had used at its last sample."""

    database: str
    seen: dict[int, float] = field(default_factory=dict)
    base: dict[int, float] = field(default_factory=dict)

    def sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                if f" {self.database} ".encode() not in (entry / "cmdline").read_bytes():
                    continue
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            self.seen[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick

    def start(self) -> None:
        self.sample()
        self.base = dict(self.seen)

    def seconds(self) -> float:
        return sum(cpu - self.base.get(pid, 0.0) for pid, cpu in self.seen.items())


# The site -------------------------------------------------------------------------------


def site_fresh(database: str, postgres_url: str, **extra_env: str) -> Site:
    """A migrated data directory, on SQLite in it or on a throwaway PostgreSQL database;
    without the demo letters, so that nothing but the update reaches the sink."""
    data_dir = Path(tempfile.mkdtemp(prefix="undersigned-bench-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    env = {
        **os.environ,
        "UNDERSIGNED_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    for var in ("UNDERSIGNED_DEMO", "DEBUG", "ACCESS_LOG", "DATABASE_URL"):
        env.pop(var, None)
    if database == "postgres":
        env["DATABASE_URL"] = _throwaway_database(postgres_url)
    site = Site(data_dir=data_dir, env=env)
    done = site.manage("migrate", "--no-input", "-v", "0")
    if done.returncode != 0:
        sys.exit(f"migrate failed:\n{done.stdout}{done.stderr}")
    return site


def letter_with_signers(signers: int) -> Any:
    """An organisation, a published letter and `signers` counted signatures that consented
    to updates, recorded as signing and confirming would have left them."""
    from django.db import connection
    from django.utils import timezone

    from undersigned.accounts.models import User
    from undersigned.letters.models import Letter, Target
    from undersigned.letters.publishing import letter_publish
    from undersigned.organisations.memberships import organisation_create
    from undersigned.signing.signatures import Confirmed, SignatureInput, signatures_add_confirmed

    owner = User.objects.create_user("organiser@bench.example", "a long organiser password")
    organisation = organisation_create(
        name="Open Streets Alliance", owner=owner, contact_email="team@streets.example"
    )
    letter = Letter.objects.create(
        organisation=organisation,
        slug="drop-the-camera-contract",
        title="Drop the camera contract",
        body="We ask **Northwind** to drop the contract.",
        demands="Withdraw from the contract.\nPublish every such contract.",
        goal=None,  # no milestone email beside the update
    )
    Target.objects.create(
        letter=letter, name="Dana Whitfield", role="CEO", organisation="Northwind Systems"
    )
    letter_publish(letter=letter)
    now = timezone.now()
    chunk = 2_000
    for first in range(0, signers, chunk):
        signatures_add_confirmed(
            letter=letter,
            confirmed=[
                Confirmed(
                    data=SignatureInput(
                        name=f"Signer {n}",
                        email=f"signer{n}@example.org",
                        display="full",
                        consent_updates=True,
                    ),
                    at=now,
                )
                for n in range(first, min(first + chunk, signers))
            ],
        )
    if connection.vendor == "postgresql":  # as autovacuum would soon after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return letter


# The workers ----------------------------------------------------------------------------


def workers_start(site: Site, env: dict[str, str], profile: bool) -> list[Any]:
    workers = []
    for number in range(1, WORKERS + 1):
        name = f"w{number}"
        command = [PYTHON, "-m", "undersigned.cli", "worker", "--worker-id", name]
        if profile:
            out = site.data_dir / f"worker-{name}.prof"
            command = [PYTHON, "-m", "cProfile", "-o", str(out), *command[1:]]
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


# One run --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    smtp_port = free_port()
    site = site_fresh(
        args.database,
        args.postgres_url,
        BASE_URL=BASE_URL,
        EMAIL_URL=f"smtp://{HOST}:{smtp_port}",
        UPDATE_SEND_RATE="0",
        UPDATE_SENDERS=str(args.senders),
    )
    os.environ.update(site.env)
    import django

    django.setup()
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from undersigned.lib.email_address import email_key
    from undersigned.updates.emails import update_message
    from undersigned.updates.models import Update, UpdateRecipient, UpdateStatus
    from undersigned.updates.publishing import update_send
    from undersigned.updates.tasks import list_recipients, send_update

    print(f"database: {site.database}; {machine_note()}", flush=True)
    started = time.perf_counter()
    letter = letter_with_signers(args.signers)
    print(
        f"created {args.signers:,} counted signatures that consented to updates "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    update = Update.objects.create(letter=letter, subject="The board met", body=UPDATE_BODY)
    sample = update_message(update, to="signer0@example.org", address_key=email_key("x@y.z"))
    sample.extra_headers["Message-ID"] = "<sample@bench.example>"
    payload = sample.message().as_bytes(linesep="\r\n")

    sink = Sink(port=smtp_port)
    sink.start()
    ceiling = sink_ceiling(sink, payload, WORKERS, args.blast)
    print(
        f"SMTP sink alone (aiosmtpd, 1 process): {ceiling['rate']:,.0f} messages/s from "
        f"{WORKERS} smtplib processes, {ceiling['messages']:,} messages of "
        f"{len(payload):,} bytes, {ceiling['cpu_ms']:.2f} ms of sink CPU a message",
        flush=True,
    )
    connection.close()  # nothing of the bench's holds the database while the workers run

    worker_env = {**site.env, "LOG_LEVEL": "INFO"}  # each task's start and end
    workers = workers_start(site, worker_env, args.profile)

    def worker_cpu() -> float:
        return sum(group_cpu_seconds(w.pid) for w in workers)

    expected = {f"signer{n}@example.org" for n in range(args.signers)}
    clicked = time.monotonic()
    update_send(update)
    connection.close()
    marks: dict[str, tuple[float, float, float, tuple[int, int]]] = {}

    backends = None
    if args.database == "postgres":
        backends = PostgresBackends(urlsplit(site.env["DATABASE_URL"]).path.lstrip("/"))

    def mark(name: str) -> None:
        marks[name] = (time.monotonic(), worker_cpu(), sink.cpu_seconds(), machine_cpu())

    mark("clicked")
    deadline = clicked + args.timeout
    last_print, last_count = time.monotonic(), 0
    last_sample = last_print
    seen: dict[str, Any] = {"count": 0}
    spies: list[tuple[Any, Path]] = []
    while time.monotonic() < deadline:
        seen = sink.ask("count")
        if seen["count"] and "first" not in marks:
            mark("first")
            if backends:
                backends.start()
            if args.py_spy:
                spies = spies_start(args.py_spy, workers, site)
        if seen["count"] >= args.signers:
            break
        if any(w.poll() is not None for w in workers):
            print("a worker exited:\n" + logs(site))
            break
        if backends and time.monotonic() - last_sample >= 0.5:
            backends.sample()
            last_sample = time.monotonic()
        if time.monotonic() - last_print >= 5:
            rate = (seen["count"] - last_count) / (time.monotonic() - last_print)
            print(f"  {seen['count']:>7,} of {args.signers:,} arrived ({rate:,.0f}/s)", flush=True)
            last_print, last_count = time.monotonic(), seen["count"]
        time.sleep(0.05)
    mark("done")
    if backends:
        backends.sample()
    sampled = spies_stop(spies) if spies else None
    finished = Update.objects.filter(pk=update.pk, status=UpdateStatus.SENT)
    while not finished.exists() and time.monotonic() < deadline + 30:
        time.sleep(0.2)  # the last slice records its last rows, then marks the update sent
    time.sleep(1.0)  # any extra copy would arrive meanwhile
    dump = sink.ask("dump")
    for worker in workers:
        process_stop(worker)
    sink.stop()

    listing = DBTaskResult.objects.filter(task_path=list_recipients.module_path).first()
    slices = Counter(
        DBTaskResult.objects.filter(task_path=send_update.module_path).values_list(
            "status", flat=True
        )
    )
    rows = Counter(UpdateRecipient.objects.filter(update=update).values_list("status", flat=True))
    update.refresh_from_db()

    received = dump["rcpts"]
    arrived = dump["count"]
    ours = sum(received.get(address, 0) for address in expected)
    missing = len(expected - set(received))
    duplicates = sum(1 for address in expected if received.get(address, 0) > 1)
    strangers = sum(n for address, n in received.items() if address not in expected)
    exact = arrived == args.signers and missing == 0 and duplicates == 0 and strangers == 0
    send_seconds = (dump["last"] - dump["first"]) if arrived > 1 else float("nan")
    rate = (arrived - 1) / send_seconds if arrived > 1 else 0.0
    times = dump["times"]
    per_second = Counter(int(t - times[0]) for t in times)
    full_seconds = [per_second[s] for s in range(1, int(times[-1] - times[0]))] if times else []

    t_first, cpu_first, sink_first, machine_first = marks.get("first", marks["done"])
    t_done, cpu_done, sink_done, machine_done = marks["done"]
    messages = max(1, arrived - 1)
    busy = (machine_done[0] - machine_first[0]) / max(1, machine_done[1] - machine_first[1])
    our_cpu = (cpu_done - cpu_first) + (sink_done - sink_first)
    if backends:
        our_cpu += backends.seconds()
    cores = os.cpu_count() or 1
    share = our_cpu / max(1e-9, (t_done - t_first) * cores)
    result: dict[str, Any] = {
        "database": site.database,
        "signers": args.signers,
        "arrived": arrived,
        "ours": ours,
        "missing": missing,
        "duplicates": duplicates,
        "strangers": strangers,
        "message_ids": dump["message_ids"],
        "exact": exact,
        "rows": dict(rows),
        "update_status": update.status,
        "slices": dict(slices),
        "listing_seconds": (listing.finished_at - listing.started_at).total_seconds()
        if listing and listing.finished_at and listing.started_at
        else float("nan"),
        "click_to_first": dump["first"] - clicked if dump["first"] else float("nan"),
        "click_to_last": dump["last"] - clicked if dump["last"] else float("nan"),
        "send_seconds": send_seconds,
        "rate": rate,
        "slowest_second": min(full_seconds, default=0),
        "fastest_second": max(full_seconds, default=0),
        "worker_cpu_ms": (cpu_done - cpu_first) * 1000 / messages,
        "sink_cpu_ms": (sink_done - sink_first) * 1000 / messages,
        "machine_busy": busy,
        "our_share": share,
        "ceiling": ceiling,
        "payload_bytes": len(payload),
        "profile": profile_breakdown(site, arrived) if args.profile else None,
        "sampled": sampled,
    }
    if backends:
        result["postgres_cpu_ms"] = backends.seconds() * 1000 / messages
    per_message = our_cpu * 1000 / messages
    result["cpu_bound_rate"] = cores * 1000 / per_message if per_message else float("nan")
    print_run(result)
    return result


def print_run(r: dict[str, Any]) -> None:
    print(
        f"\n{r['database']}: {r['arrived']:,} messages arrived for {r['signers']:,} signers "
        f"({r['ours']:,} to them, {r['strangers']} to others, {r['missing']} missing, "
        f"{r['duplicates']} with more than one copy, {r['message_ids']:,} distinct "
        f"Message-IDs): {'exactly one each' if r['exact'] else 'NOT exactly one each'}"
    )
    print(
        f"recipient rows: {r['rows']}; update {r['update_status']}; send_update slices: "
        f"{r['slices']}"
    )
    print(
        f"listing the recipients took {r['listing_seconds']:.2f} s; the first message arrived "
        f"{r['click_to_first']:.2f} s after update_send, the last {r['click_to_last']:.1f} s "
        f"after; per whole second {r['slowest_second']}-{r['fastest_second']} messages"
    )
    print(
        f"CPU a message: workers {r['worker_cpu_ms']:.2f} ms, sink {r['sink_cpu_ms']:.2f} ms"
        + (f", PostgreSQL backends {r['postgres_cpu_ms']:.2f} ms" if "postgres_cpu_ms" in r else "")
        + f"; the machine's {os.cpu_count()} cores were {r['machine_busy']:.0%} busy "
        f"meanwhile, {r['our_share']:.0%} of them by this run's processes. With every core "
        f"to itself and no waiting, this CPU would send {r['cpu_bound_rate']:,.0f} a second\n"
    )
    if r.get("profile"):
        print_profile(r["profile"])
    if r.get("sampled"):
        print_sampled(r["sampled"], r["arrived"])


def table(results: list[dict[str, Any]]) -> None:
    print_table(
        [
            "database",
            "messages",
            "one each",
            "listing s",
            "first→last s",
            "messages/s",
            "update_send→last s",
            "worker CPU ms/msg",
            "DB backends CPU ms/msg",
            "sink CPU ms/msg",
            "machine busy (ours)",
            "CPU-bound msg/s",
            "sink alone msg/s",
        ],
        [
            [
                r["database"].split(" (")[0] if "PostgreSQL" in r["database"] else r["database"],
                f"{r['arrived']:,}",
                "yes" if r["exact"] else "NO",
                f"{r['listing_seconds']:.2f}",
                f"{r['send_seconds']:.1f}",
                f"{r['rate']:,.0f}",
                f"{r['click_to_last']:.1f}",
                f"{r['worker_cpu_ms']:.2f}",
                f"{r['postgres_cpu_ms']:.2f}" if "postgres_cpu_ms" in r else "(in the workers)",
                f"{r['sink_cpu_ms']:.2f}",
                f"{r['machine_busy']:.0%} ({r['our_share']:.0%})",
                f"{r['cpu_bound_rate']:,.0f}",
                f"{r['ceiling']['rate']:,.0f}",
            ]
            for r in results
        ],
    )


# The profile ----------------------------------------------------------------------------

# (label, file ending, function): cumulative time of each, from the workers' profiles.
PROFILED: list[tuple[str, str, str]] = [
    ("send one message, in all (_send_one)", "updates/sending.py", "_send_one"),
    ("  the recipients rule (recipient)", "signing/recipients.py", "recipient"),
    ("    unsubscribed? (is_unsubscribed)", "signing/unsubscriptions.py", "is_unsubscribed"),
    ("  email_key of the address (HMAC)", "lib/email_address.py", "email_key"),
    ("  build the message (update_message)", "updates/emails.py", "update_message"),
    ("    unsubscribe link (unsubscribe_token)", "signing/tokens.py", "unsubscribe_token"),
    ("    templates (render_to_string, 3 a message)", "template/loader.py", "render_to_string"),
    ("      of which the body's Markdown (render_markdown)", "lib/markdown.py", "render_markdown"),
    ("  Message-ID (message_id: sha256)", "mail/messages.py", "message_id"),
    ("  hand it to the relay (message_deliver)", "mail/messages.py", "message_deliver"),
    ("    MIME building (EmailMessage.message)", "core/mail/message.py", "message"),
    ("    MIME serialising (as_bytes)", "core/mail/message.py", "as_bytes"),
    ("    sanitize_address", "core/mail/message.py", "sanitize_address"),
    ("    SMTP exchange (smtplib sendmail)", "smtplib.py", "sendmail"),
    ("  record it sent (_record: UPDATE … commit)", "updates/sending.py", "_record"),
    ("claim a batch (_claim)", "updates/sending.py", "_claim"),
    ("read a batch's signatures (in_bulk)", "db/models/query.py", "in_bulk"),
    ("list the recipients (recipients_list)", "updates/sending.py", "recipients_list"),
    ("every SQL statement (CursorWrapper.execute)", "db/backends/utils.py", "execute"),
]


def kept_dir() -> Path:
    """Where profiles and samples outlive the run's data directory."""
    keep = Path(tempfile.gettempdir()) / f"update_send-{os.getpid()}-profiles"
    keep.mkdir(exist_ok=True)
    return keep


def profile_breakdown(site: Site, messages: int) -> dict[str, Any]:
    """Each PROFILED function's cumulative time in both workers, per message."""
    files = [str(p) for p in sorted(site.data_dir.glob("worker-*.prof"))]
    if not files:
        return {"error": "no profile written"}
    stats = pstats.Stats(*files)
    found: dict[str, tuple[float, int]] = {}
    raw = stats.stats  # type: ignore[attr-defined]
    for label, ending, function in PROFILED:
        cumulative, calls = 0.0, 0
        for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in raw.items():
            if name == function and filename.endswith(ending):
                cumulative, calls = cumulative + ct, calls + nc
        found[label] = (cumulative, calls)
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in raw.values())
    keep = kept_dir()
    for file in files:
        shutil.copy(file, keep)
    return {"messages": messages, "found": found, "total": total, "kept": str(keep)}


def print_profile(profile: dict[str, Any]) -> None:
    if "error" in profile:
        print(profile["error"])
        return
    n = max(1, profile["messages"])
    print(
        f"cProfile of both workers ({profile['total']:.1f} s of profiled time in all, "
        f"{n:,} messages; profiles kept in {profile['kept']}):"
    )
    print_table(
        ["where", "ms a message", "calls a message"],
        [
            [label, f"{seconds * 1000 / n:.3f}", f"{calls / n:.2f}"]
            for label, (seconds, calls) in profile["found"].items()
        ],
    )
    print()


# (category, file ending, function), innermost first: a sample counts for the innermost
# frame of its stack that one of these names.
SAMPLED: list[tuple[str, str, str]] = [
    ("templates: the body's Markdown (render_markdown)", "lib/markdown.py", "render_markdown"),
    ("templates: the rest (render_to_string)", "template/loader.py", "render_to_string"),
    ("token: unsubscribe link (signing.dumps)", "signing/tokens.py", "unsubscribe_token"),
    ("HMAC: email_key", "lib/email_address.py", "email_key"),
    ("HMAC: Message-ID (sha256)", "mail/messages.py", "message_id"),
    ("DB: unsubscribed? (a query a message)", "signing/unsubscriptions.py", "is_unsubscribed"),
    ("DB: record it sent (_record)", "updates/sending.py", "_record"),
    ("DB: claim a batch (_claim)", "updates/sending.py", "_claim"),
    ("DB: a batch's signatures (in_bulk)", "db/models/query.py", "in_bulk"),
    ("listing the recipients", "updates/sending.py", "recipients_list"),
    ("SMTP: smtplib (commands, socket)", "smtplib.py", "sendmail"),
    ("MIME: serialising (as_bytes)", "core/mail/message.py", "as_bytes"),
    ("MIME: building (EmailMessage.message)", "core/mail/message.py", "message"),
    ("MIME: sanitize_address", "core/mail/message.py", "sanitize_address"),
    ("message object (update_message, the rest)", "updates/emails.py", "update_message"),
    ("the recipients rule, the rest", "signing/recipients.py", "recipient"),
    ("_send_one, the rest", "updates/sending.py", "_send_one"),
    ("sending, the rest (recipients_send)", "updates/sending.py", "recipients_send"),
]
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]*)(?::\d+)?\)$")


def spies_start(py_spy: str, workers: list[Any], site: Site) -> list[tuple[Any, Path]]:
    """py-spy on each worker, sampling only while a thread runs (no --idle)."""
    spies = []
    for worker in workers:
        out = site.data_dir / f"py-spy-{worker.pid}.txt"
        command = [py_spy, "record", "--pid", str(worker.pid), "--rate", "250", "--nonblocking"]
        command += ["--format", "raw", "--output", str(out)]
        log = (site.data_dir / "py-spy.log").open("ab")
        spies.append((subprocess.Popen(command, stdout=log, stderr=log), out))
    return spies


def spies_stop(spies: list[tuple[Any, Path]]) -> dict[str, int]:
    """Stop the samplers (SIGINT: each writes its samples) and count samples by category."""
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
            if not number.isdigit():
                continue
            frames = [FRAME.match(frame) for frame in stack.split(";")]
            counts[_category(frames)] += int(number)
    return dict(counts)


def _category(frames: list[re.Match[str] | None]) -> str:
    for frame in reversed(frames):
        if frame is None:
            continue
        for category, ending, function in SAMPLED:
            name = frame["function"].rpartition(".")[2]  # py-spy names methods Class.method
            if name == function and frame["file"].endswith(ending):
                return category
    return "other (task bookkeeping, polling, startup)"


def print_sampled(counts: dict[str, int], messages: int) -> None:
    total = sum(counts.values())
    if not total:
        print("py-spy took no samples")
        return
    ms = 4.0  # a sample every 4 ms (--rate 250)
    print(
        f"py-spy, both workers, while they sent (samples kept in {kept_dir()}): "
        f"{total:,} samples of running code "
        f"(~{total * ms / 1000:.1f} CPU s, {total * ms / max(1, messages):.2f} ms a message):"
    )
    order = [category for category, _e, _f in SAMPLED] + [
        "other (task bookkeeping, polling, startup)"
    ]
    print_table(
        ["where the workers' CPU went", "share", "ms a message"],
        [
            [category, f"{counts[category] / total:.1%}", f"{counts[category] * ms / messages:.2f}"]
            for category in order
            if counts.get(category)
        ],
    )
    print()


# Main -------------------------------------------------------------------------------------


def command_line() -> str:
    """This run's command, as typed at the top of the repository."""
    script = Path(sys.argv[0]).resolve()
    with contextlib.suppress(ValueError):
        script = script.relative_to(ROOT)
    return "uv run python " + " ".join(shlex.quote(a) for a in [str(script), *sys.argv[1:]])


def without_database(argv: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--database":
            skip = True
        elif not arg.startswith("--database="):
            kept.append(arg)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signers", type=int, default=20_000, help="recipients of the update")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DATABASE_URL", "").strip()
        if os.environ.get("DATABASE_URL", "").startswith(("postgres:", "postgresql:"))
        else "postgres://postgres@127.0.0.1:5432/test",
        help="a database on the server to create the throwaway one on (DATABASE_URL if it "
        "names PostgreSQL)",
    )
    parser.add_argument("--senders", type=int, default=2, help="UPDATE_SENDERS")
    parser.add_argument("--blast", type=int, default=BLAST_MESSAGES, help="per blasting process")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the mail")
    parser.add_argument("--profile", action="store_true", help="run the workers under cProfile")
    parser.add_argument(
        "--py-spy",
        metavar="PATH",
        help="a py-spy binary: sample the workers' CPU time while they send, and break it down",
    )
    parser.add_argument("--json", help=argparse.SUPPRESS)  # where a child run writes its result
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
            if done.returncode != 0 or not path.exists():
                print(f"the {database} run failed (exit {done.returncode})")
                continue
            results.append(json.loads(path.read_text()))
    print(f"\ncommand: {command_line()}; {WORKERS} workers, UPDATE_SEND_RATE=0")
    table(results)


if __name__ == "__main__":
    main()
