"""Does a killed worker lose or duplicate confirmation emails?

    uv run python bench/worker_kills.py                    # SQLite, in a throwaway data dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench uv run python bench/worker_kills.py

Runs `undersigned serve` and two `undersigned worker` processes (TASK_LEASE_SECONDS=3)
that mail through an SMTP relay this script runs on loopback (aiosmtpd), which takes a
little while over each message, so a worker is often mid-send. For --seconds it signs the
demo letter from --signers connections at --rate POSTs a second in all (slow enough for the
workers to keep up), each with a new address, and meanwhile kills one worker with SIGKILL
at --kills random moments, starting a new one after each. Then it waits (at most
WAIT_AFTER_LAST_KILL seconds after the last kill) until every signer whose sign POST was
answered 302 got a confirmation and no confirmation task is left to run.

A signer with no email is lost. One with more than one is a duplicate: the one gap the
design leaves is a worker killed after the relay took the message and before the worker
recorded it, so a duplicate should carry the same Message-ID and follow a kill. Like a
real relay, this one keeps a message it received in full even when the client vanishes
before the answer. What each kill interrupted is read from the worker's log and its open
connections; each duplicate is listed with the workers its task ran on. A lost signer is
printed with its tasks, its sent-message record and the worker log lines about it.
Prints numbers; asserts nothing. Stops by itself in about a minute.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from harness import (
    HOST,
    LETTER,
    PYTHON,
    Site,
    free_port,
    machine_note,
    print_table,
    process_start,
    process_stop,
    site_create,
    stop_all,
)
from loadgen import TIMEOUT, Connection, sign_body

SIGN_PATH = f"/letters/{LETTER}/sign/"
LEASE_SECONDS = 3
RELAY_DELAY = 0.1  # seconds the relay takes over each message before it answers
WAIT_AFTER_LAST_KILL = 120.0  # a message retried after a kill waits RETRY_DELAYS[0] = 30 s
WORKERS = 2
TOOK_UP = re.compile(r"Took up (\d+) task")
TASK_STATE = re.compile(r"Task id=\S+ path=\S+ state=(\w+)")
# A worker is killed only once it has been taking tasks this long (after its "Starting
# worker" line it waits up to a second, against a thundering herd): kills packed closer
# than that would only ever catch workers starting, and nothing would be sent meanwhile.
MIN_UPTIME = 1.0


# The relay ---------------------------------------------------------------------------


@dataclass
class Delivery:
    at: float
    rcpt_tos: list[str]
    message_id: str


@dataclass
class Session:
    """One SMTP connection; `phase` is the last thing it did."""

    peer: Any
    phase: str = "connected"
    quit: bool = False


@dataclass
class Relay:
    """An SMTP server that keeps every message it has in full, even when the client is gone
    before the answer, as a real relay does."""

    port: int = 0
    delay: float = RELAY_DELAY
    deliveries: list[Delivery] = field(default_factory=list)
    sessions: dict[int, tuple[Any, Session]] = field(default_factory=dict)
    kept_after_client_gone: list[list[str]] = field(default_factory=list)

    def _session(self, session: Any) -> Session:
        key = id(session)
        if key not in self.sessions:
            self.sessions[key] = (session, Session(peer=session.peer))  # hold it: ids stay
        return self.sessions[key][1]

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self._session(session).phase = "connected"
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        self._session(session).phase = "envelope"
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        state = self._session(session)
        state.phase = "message received, not answered"
        try:
            await asyncio.shield(self._accept(envelope))
        except asyncio.CancelledError:  # the client vanished; the message is kept
            self.kept_after_client_gone.append(list(envelope.rcpt_tos))
            state.phase = "message kept, client gone before the answer"
            raise
        state.phase = "message accepted"
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self._session(session).quit = True
        return "221 Bye"

    async def _accept(self, envelope: Any) -> None:
        await asyncio.sleep(self.delay)
        headers = BytesHeaderParser().parsebytes(envelope.original_content)
        self.deliveries.append(
            Delivery(time.monotonic(), list(envelope.rcpt_tos), str(headers["Message-ID"]))
        )

    def cut_sessions(self) -> Counter[str]:
        """Sessions that ended without QUIT (their worker was killed), by their last phase."""
        return Counter(state.phase for _, state in self.sessions.values() if not state.quit)


# The workers -------------------------------------------------------------------------


def relay_connected(pid: int, smtp_port: int) -> bool:
    """Whether the process holds an established TCP connection to the relay's port."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port = int(fields[2].split(":")[1], 16)
        if remote_port == smtp_port and fields[3] == "01" and fields[9] in inodes:
            return True
    return False


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    started: float
    ready_at: float | None = None


@dataclass
class Pool:
    site: Site
    env: dict[str, str]
    rng: random.Random
    smtp_port: int
    workers: list[Worker] = field(default_factory=list)
    started: int = 0
    kill_times: list[float] = field(default_factory=list)
    killed: list[str] = field(default_factory=list)
    interrupted: Counter[str] = field(default_factory=Counter)

    def start(self) -> Worker:
        self.started += 1
        name = f"w{self.started}"
        log = self.site.data_dir / f"worker-{name}.log"
        command = [PYTHON, "-m", "undersigned.cli", "worker", "--worker-id", name]
        process = process_start(command, env=self.env, log=log)
        worker = Worker(name, process, log, time.monotonic())
        self.workers.append(worker)
        return worker

    def doing(self, worker: Worker) -> str:
        """What a worker is doing, from its log and its connections to the relay."""
        states = TASK_STATE.findall(worker.log.read_text(errors="replace"))
        if not states:
            return "no task yet"
        if states[-1] != "RUNNING":
            return "between tasks"
        if relay_connected(worker.process.pid, self.smtp_port):
            return "in a task, connected to the relay"
        return "in a task, not connected to the relay"

    @staticmethod
    def ready(worker: Worker) -> bool:
        if worker.ready_at is None and "Starting worker" in worker.log.read_text(errors="replace"):
            worker.ready_at = time.monotonic()
        return worker.ready_at is not None

    def kill_one(self) -> Worker | None:
        """SIGKILL a random worker that is up and running, and start another in its place."""
        ripe = [w for w in self.workers if self.ready(w)]
        ripe = [w for w in ripe if time.monotonic() - (w.ready_at or 0) >= MIN_UPTIME]
        if not ripe:
            return None
        victim = self.rng.choice(ripe)
        doing = self.doing(victim)
        victim.process.send_signal(signal.SIGKILL)
        self.kill_times.append(time.monotonic())
        self.interrupted[doing] += 1
        victim.process.wait()
        process_stop(victim.process)  # nothing left in its group, and forgotten by harness
        self.workers.remove(victim)
        self.killed.append(victim.name)
        self.start()
        return victim

    def logs(self) -> str:
        texts = []
        logs = self.site.data_dir.glob("worker-w*.log")
        for log in sorted(logs, key=lambda log: int(log.stem.removeprefix("worker-w"))):
            texts.append(f"--- {log.name}\n{log.read_text(errors='replace')}")
        return "\n".join(texts)


async def kill_at_random(pool: Pool, kills: int, seconds: float, started: float) -> None:
    moments = sorted(pool.rng.uniform(MIN_UPTIME, seconds) for _ in range(kills))
    for moment in moments:
        await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
        give_up = time.monotonic() + 30
        while pool.kill_one() is None and time.monotonic() < give_up:
            await asyncio.sleep(0.1)  # every worker is still starting


# The signing load --------------------------------------------------------------------


@dataclass
class Load:
    port: int
    deadline: float
    rate: float
    signers: int
    run: str = field(default_factory=lambda: str(int(time.time())))
    acknowledged: set[str] = field(default_factory=set)
    unacknowledged: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)

    async def signer(self, number: int, started: float) -> None:
        connection = Connection(self.port)
        origin = f"http://{HOST}:{self.port}"
        headers = {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"}
        sent = 0
        while time.monotonic() < self.deadline:
            if self.rate:
                due = started + (sent * self.signers + number) / self.rate
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                if time.monotonic() >= self.deadline:
                    break
            sent += 1
            # Distinct before any "+tag": a tag is dropped when addresses are compared.
            address = f"kill{self.run}-{number}-{sent}@example.org"
            request = connection.request(
                "POST", SIGN_PATH, body=sign_body(address), headers=headers
            )
            try:
                status, _ = await asyncio.wait_for(request, TIMEOUT)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                status = 0
            self.statuses[status] += 1
            if status == 302:
                self.acknowledged.add(address)
            else:
                self.unacknowledged.add(address)  # it may have signed all the same
                await connection.close()
        await connection.close()


# What the database says ----------------------------------------------------------------

UNFINISHED_CODE = """
from django_tasks import TaskResultStatus as S
from django_tasks_db.models import DBTaskResult
from undersigned.signing.tasks import send_confirmation
print(DBTaskResult.objects.filter(
    task_path=send_confirmation.module_path, status__in=[S.READY, S.RUNNING]).count())
"""

TASKS_CODE = """
import json, sys
from collections import Counter
from django_tasks_db.models import DBTaskResult
try:  # an older checkout, measured for comparison, kept no record of sent messages
    from undersigned.mail.models import SentMessage
except ImportError:
    SentMessage = None
from undersigned.signing.models import Signature
from undersigned.signing.tasks import send_confirmation
asked = json.loads(sys.stdin.read())  # the addresses of the lost and duplicated signers
rows = list(DBTaskResult.objects.filter(task_path=send_confirmation.module_path))
out = {
    "statuses": Counter(r.status for r in rows),
    "taken_up_again": sum(len(r.worker_ids) > 1 for r in rows),
    "retries": sum(r.args_kwargs.get("kwargs", {}).get("attempt", 1) > 1 for r in rows),
    "sent_more_than_once": SentMessage.objects.filter(
        key__startswith="proof:", attempts__gt=1).count() if SentMessage else None,
    "signers": {},
}
for signature in Signature.objects.filter(email__in=asked):
    key = f"proof:{signature.pk}"
    sent = SentMessage.objects.filter(key=key).values(
        "sent_at", "claimed_until", "attempts", "refused").first() if SentMessage else None
    tasks = [
        {"id": str(r.id), "status": r.status, "workers": r.worker_ids,
         "kwargs": r.args_kwargs.get("kwargs", {}), "enqueued": str(r.enqueued_at),
         "run_after": str(r.run_after), "started": str(r.started_at),
         "finished": str(r.finished_at),
         "error": (r.exception_class_path or "") + " " + (r.traceback or "")[-300:]}
        for r in rows if r.args_kwargs.get("args", [None])[0] == signature.pk
    ]
    out["signers"][signature.email] = {"id": signature.pk, "level": signature.level,
                                       "sent_message": sent, "tasks": tasks}
print(json.dumps(out, default=str))
"""


def manage_shell(site: Site, code: str, stdin: str = "") -> str:
    done = subprocess.run(
        [PYTHON, "-m", "undersigned.cli", "shell", "-c", code],
        env=site.env,
        cwd=site.data_dir,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"shell failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


# The run -------------------------------------------------------------------------------


def received_by(relay: Relay, addresses: set[str]) -> dict[str, list[Delivery]]:
    copies: dict[str, list[Delivery]] = {}
    for delivery in list(relay.deliveries):
        for rcpt in delivery.rcpt_tos:
            if rcpt in addresses:
                copies.setdefault(rcpt, []).append(delivery)
    return copies


async def bench_run(args: argparse.Namespace, site: Site, relay: Relay, port: int) -> None:
    rng = random.Random(args.seed)
    worker_env = {**site.env, "LOG_LEVEL": "INFO"}  # each task's start and end, for the record
    pool = Pool(site=site, env=worker_env, rng=rng, smtp_port=relay.port)
    serve = [PYTHON, "-m", "undersigned.cli", "serve", "--addr", f"{HOST}:{port}"]
    process_start(serve, env=site.env, log=site.data_dir / "serve.log", port=port)
    for _ in range(WORKERS):
        pool.start()
    ready_by = time.monotonic() + 60
    while not all(pool.ready(w) for w in pool.workers):
        if time.monotonic() > ready_by:
            raise RuntimeError(f"the workers did not start:\n{pool.logs()}")
        await asyncio.sleep(0.1)

    started = time.monotonic()
    load = Load(port=port, deadline=started + args.seconds, rate=args.rate, signers=args.signers)
    killing = asyncio.create_task(kill_at_random(pool, args.kills, args.seconds, started))
    await asyncio.gather(*(load.signer(n, started) for n in range(args.signers)))
    load_stopped = time.monotonic()
    await killing  # a kill waits while both workers are still starting, so may come later
    late_kills = sum(t > load_stopped for t in pool.kill_times)

    # Wait until every acknowledged signer has an email and no confirmation is left to send.
    last_kill = max(pool.kill_times, default=load_stopped)
    deadline = max(last_kill, load_stopped) + WAIT_AFTER_LAST_KILL
    unfinished = -1
    while time.monotonic() < deadline:
        if len(received_by(relay, load.acknowledged)) == len(load.acknowledged):
            unfinished = int(await asyncio.to_thread(manage_shell, site, UNFINISHED_CODE))
            if unfinished == 0:
                break
        await asyncio.sleep(2)
    else:
        unfinished = int(await asyncio.to_thread(manage_shell, site, UNFINISHED_CODE))
    waited = time.monotonic() - load_stopped

    copies = received_by(relay, load.acknowledged)
    lost = sorted(load.acknowledged - set(copies))
    duplicates = {a: c for a, c in copies.items() if len(c) > 1}
    shared = sum(len({c.message_id for c in cs}) == 1 for cs in duplicates.values())
    extra = received_by(relay, load.unacknowledged)
    ours = [d.at for cs in copies.values() for d in cs]
    last_delivery = max(ours, default=float("nan"))
    first_copies_done = max((min(d.at for d in cs) for cs in copies.values()), default=float("nan"))
    asked = json.dumps([*lost, *duplicates])
    report = json.loads(await asyncio.to_thread(manage_shell, site, TASKS_CODE, asked))

    elapsed = load_stopped - started
    print(
        f"\nsigning: {elapsed:.1f} s from {args.signers} connections"
        + (f" paced at {args.rate:g}/s" if args.rate else "")
        + f", {sum(load.statuses.values())} POSTs, answers {dict(sorted(load.statuses.items()))}; "
        f"waited {waited:.1f} s after it stopped ({unfinished} confirmation tasks unfinished)"
        + (f"; {late_kills} kill(s) came after it stopped" if late_kills else "")
        + "\n"
    )
    since_kill = f"{last_delivery - pool.kill_times[-1]:.1f}" if pool.kill_times and ours else "n/a"
    dup_ids = f"{shared} of {len(duplicates)}" if duplicates else "n/a"
    print_table(
        [
            "acknowledged",
            "lost",
            "duplicates",
            "extra copies",
            "duplicates share Message-ID",
            "kills",
            "last kill → last delivery (s)",
        ],
        [
            [
                str(len(load.acknowledged)),
                str(len(lost)),
                str(len(duplicates)),
                str(sum(len(c) - 1 for c in duplicates.values())),
                dup_ids,
                str(len(pool.kill_times)),
                since_kill,
            ]
        ],
    )
    cut = relay.cut_sessions()
    print(
        f"\nthe last first copy came {first_copies_done - load_stopped:.1f} s after the load "
        f"stopped, the last copy of all {last_delivery - load_stopped:.1f} s after it"
    )
    kept = relay.kept_after_client_gone
    kept_ours = [r for r in kept if set(r) & load.acknowledged]
    kept_duplicated = sum(any(a in duplicates for a in r) for r in kept_ours)
    print(
        "what the kills interrupted: "
        + (", ".join(f"{n} {what}" for what, n in pool.interrupted.most_common()) or "nothing")
    )
    print(
        f"SMTP sessions the relay saw cut: {sum(cut.values())} "
        f"({', '.join(f'{n} after: {phase}' for phase, n in cut.most_common()) or 'none'}); "
        f"messages kept after the client vanished: {len(kept)}, {len(kept_ours)} of them to "
        f"acknowledged signers, {kept_duplicated} of those sent again"
    )
    print(
        f"confirmation tasks: {dict(report['statuses'])}; taken up again after a lease ran "
        f"out: {report['taken_up_again']}; retries enqueued: {report['retries']}; "
        f"confirmations claimed more than once: {report['sent_more_than_once']}"
    )
    if load.unacknowledged:
        print(
            f"sign POSTs not answered 302: {len(load.unacknowledged)}, of which "
            f"{len(extra)} were mailed all the same"
        )
    logs = pool.logs()
    print(
        f"worker logs: {sum(map(int, TOOK_UP.findall(logs)))} tasks taken up "
        "by a watchdog, "
        f"{logs.count('not sent on try')} 'not sent on try' warnings, "
        f"{logs.count('Could not check the leases')} failed lease checks, "
        f"{logs.count('Traceback')} tracebacks; killed {', '.join(pool.killed) or 'none'}"
    )
    for address, cs in sorted(duplicates.items()):
        ids = sorted({c.message_id for c in cs})
        gaps = ", ".join(f"{c.at - cs[0].at:.1f}" for c in cs[1:])
        tasks = report["signers"].get(address, {}).get("tasks", [])
        runs = "; ".join(f"{'/'.join(t['workers'])} {t['kwargs'] or ''}".strip() for t in tasks)
        print(
            f"  duplicate {address}: {len(cs)} copies (+{gaps} s), "
            f"Message-IDs {ids}, task run by: {runs}"
        )
    if lost:
        print(f"\nLOST: {len(lost)} acknowledged signers never got a confirmation")
        entries = {a: report["signers"].get(a, "no such signature") for a in lost}
        print(json.dumps(entries, indent=2, default=str))
        ids = {t["id"] for e in entries.values() if isinstance(e, dict) for t in e["tasks"]}
        emails = set(lost)
        pattern = re.compile("|".join(re.escape(s) for s in ids | emails) or "^$")
        print("\nworker log lines about them:")
        for line in logs.splitlines():
            if line.startswith("---") or pattern.search(line):
                print(line)
        print(f"\nthe last of the worker logs:\n{logs[-6000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10, help="workers killed during the load")
    parser.add_argument("--seconds", type=float, default=30, help="length of the signing load")
    parser.add_argument("--signers", type=int, default=4, help="signing connections")
    parser.add_argument(
        "--rate",
        type=float,
        default=10,
        help="sign POSTs a second across all connections (0: as fast as they go); "
        "the workers must be able to mail them within the wait",
    )
    parser.add_argument("--seed", type=int, default=None, help="for the kill moments")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)

    smtp_port, port = free_port(), free_port()
    site = site_create(
        BASE_URL=f"http://{HOST}:{port}",
        EMAIL_URL=f"smtp://{HOST}:{smtp_port}",
        TASK_LEASE_SECONDS=str(LEASE_SECONDS),
        SIGNATURE_RATE_LIMIT="1000000/h",
        LOG_LEVEL="WARNING",
    )
    print(f"database: {site.database}; {machine_note()}")
    print(
        f"processes: `undersigned serve` + {WORKERS} x `undersigned worker` "
        f"(TASK_LEASE_SECONDS={LEASE_SECONDS}); relay on {HOST}:{smtp_port}, "
        f"{RELAY_DELAY * 1000:.0f} ms a message; {args.kills} kills (seed {args.seed})"
    )
    relay = Relay(port=smtp_port)
    controller = Controller(relay, hostname=HOST, port=smtp_port, server_hostname="relay.test")
    controller.start()
    try:
        asyncio.run(bench_run(args, site, relay, port))
    finally:
        stop_all()
        controller.stop()


if __name__ == "__main__":
    main()
