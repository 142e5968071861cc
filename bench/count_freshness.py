"""Does a confirmed signature show in the count within 2 seconds, also during a surge?

    uv run python bench/count_freshness.py                 # SQLite, in a throwaway data dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench uv run python bench/count_freshness.py

Runs `undersigned serve` and `undersigned worker` as an operator would, then for --seconds
sends sign POSTs from many connections while other connections confirm each signature
with the link the worker mailed (read from the console mail backend), as signers do.
Meanwhile count.json is polled on a fresh connection every 50 ms, so each poll may land
on any server process and its own cache.

A confirmation is "shown" once every later poll reports at least the initial count plus
every successful confirmation sent before it returned: a count that high cannot leave it
out. Its delay runs from its confirm POST returning to the first such poll's answer. One
marker confirmation a second is sent on its own; the delays of all the others are also
reported. After writes stop, the count must equal the counted signatures, and
`reconcile_counts --check` must find no drift. Stops by itself in about a minute.
"""

import argparse
import asyncio
import bisect
import json
import re
import subprocess
import threading
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field

from harness import (
    HOST,
    LETTER,
    PYTHON,
    Site,
    free_port,
    machine_note,
    percentile,
    print_table,
    process_start,
    site_create,
    stop_all,
)
from loadgen import TIMEOUT, Connection, sign_body

REQUIREMENT_SECONDS = 2.0
POLL_INTERVAL = 0.05
COUNT_PATH = f"/letters/{LETTER}/count.json"
SIGN_PATH = f"/letters/{LETTER}/sign/"
CONFIRM_LINK = re.compile(r"^https?://\S+/confirm/([^/\s]+)/$")


@dataclass
class Confirmation:
    sent: float
    returned: float
    ok: bool
    marker: bool


@dataclass
class Poll:
    sent: float
    answered: float
    count: int


@dataclass
class Surge:
    port: int
    origin: str
    tokens: asyncio.Queue[str]
    deadline: float = float("inf")
    run: str = field(default_factory=lambda: str(int(time.time())))
    signed: int = 0
    sign_errors: int = 0
    sign_latencies: list[float] = field(default_factory=list)
    mailed: list[float] = field(default_factory=list)
    confirmations: list[Confirmation] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)
    polling: bool = True
    waiting_for_links: float = 0.0

    async def presign(self, total: int, connections: int) -> int:
        """Sign `total` addresses before the surge, so confirmers start with a queue of links."""
        signed = 0

        async def sign_share(number: int) -> None:
            nonlocal signed
            connection = Connection(self.port)
            headers = {"Origin": self.origin, "Content-Type": "application/x-www-form-urlencoded"}
            for sent in range(number, total, connections):
                body = sign_body(f"early-{self.run}-{sent}@example.org")
                request = connection.request("POST", SIGN_PATH, body=body, headers=headers)
                if await _status(request) == 302:
                    signed += 1
                else:
                    await connection.close()
            await connection.close()

        await asyncio.gather(*(sign_share(n) for n in range(connections)))
        return signed

    async def signer(self, number: int) -> None:
        connection = Connection(self.port)
        headers = {"Origin": self.origin, "Content-Type": "application/x-www-form-urlencoded"}
        sent = 0
        while time.monotonic() < self.deadline:
            sent += 1
            body = sign_body(f"surge-{self.run}-{number}-{sent}@example.org")
            started = time.monotonic()
            status = await _status(
                connection.request("POST", SIGN_PATH, body=body, headers=headers)
            )
            self.sign_latencies.append(time.monotonic() - started)
            if status == 302:
                self.signed += 1
            else:
                self.sign_errors += 1
                await connection.close()
        await connection.close()

    async def confirmer(self, *, marker: bool) -> None:
        connection = Connection(self.port)
        headers = {"Origin": self.origin}
        while (now := time.monotonic()) < self.deadline:
            try:
                token = await asyncio.wait_for(self.tokens.get(), self.deadline - now)
            except TimeoutError:
                break
            finally:
                if not marker:
                    self.waiting_for_links += time.monotonic() - now
            path = f"/confirm/{token}/"
            sent = time.monotonic()
            status = await _status(connection.request("POST", path, headers=headers))
            self.confirmations.append(Confirmation(sent, time.monotonic(), status == 200, marker))
            if status != 200:
                await connection.close()
            if marker:
                await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - sent)))
        await connection.close()

    async def poller(self) -> None:
        while self.polling:
            connection = Connection(self.port)  # a fresh one: any server process may answer
            sent = time.monotonic()
            try:
                status, body = await asyncio.wait_for(connection.request("GET", COUNT_PATH), 5)
                if status == 200:
                    count = json.loads(body)["total_signatures"]
                    self.polls.append(Poll(sent, time.monotonic(), count))
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                pass
            await connection.close()
            await asyncio.sleep(max(0.0, POLL_INTERVAL - (time.monotonic() - sent)))


async def _status(request: Awaitable[tuple[int, bytes]]) -> int:
    try:
        status, _ = await asyncio.wait_for(request, TIMEOUT)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        return 0
    return status


def read_links(
    worker: subprocess.Popen[bytes], surge: Surge, loop: asyncio.AbstractEventLoop
) -> None:
    """Pass each confirmation link the worker mails (console backend) to the confirmers."""
    assert worker.stdout is not None
    for raw in worker.stdout:
        match = CONFIRM_LINK.match(raw.decode(errors="replace").strip())
        if match:
            surge.mailed.append(time.monotonic())
            try:
                loop.call_soon_threadsafe(surge.tokens.put_nowait, match.group(1))
            except RuntimeError:  # the surge is over and its loop closed
                return


def delays(surge: Surge, initial: int) -> tuple[list[float], list[float], int]:
    """Seconds from each successful confirmation returning to the count showing it."""
    ok = sorted((c for c in surge.confirmations if c.ok), key=lambda c: c.sent)
    sent_times = [c.sent for c in ok]
    polls = sorted(surge.polls, key=lambda p: p.sent)
    poll_sent = [p.sent for p in polls]
    # The lowest count any poll from here on reports: once it reaches a confirmation's
    # bound, the confirmation is shown for good.
    floor = [0] * len(polls)
    lowest = 1 << 62
    for index in range(len(polls) - 1, -1, -1):
        lowest = min(lowest, polls[index].count)
        floor[index] = lowest
    all_delays, marker_delays, unseen = [], [], 0
    for confirmation in ok:
        bound = initial + bisect.bisect_left(sent_times, confirmation.returned)
        first = bisect.bisect_left(poll_sent, confirmation.returned)
        shown = bisect.bisect_left(floor, bound, lo=first)
        if shown == len(polls):
            unseen += 1
            continue
        delay = polls[shown].answered - confirmation.returned
        all_delays.append(delay)
        if confirmation.marker:
            marker_delays.append(delay)
    return sorted(all_delays), sorted(marker_delays), unseen


async def count_now(port: int) -> int:
    connection = Connection(port)
    try:
        status, body = await connection.request("GET", COUNT_PATH)
    finally:
        await connection.close()
    if status != 200:
        raise RuntimeError(f"count.json answered {status}")
    return int(json.loads(body)["total_signatures"])


def counted_signatures(site: Site) -> int:
    code = (
        "from undersigned.signing.models import Signature;"
        f"print(Signature.objects.counted().filter(letter__slug={LETTER!r}).count())"
    )
    done = site.manage("shell", "-c", code)
    return int(done.stdout.strip().splitlines()[-1])


async def surge_run(args: argparse.Namespace, site: Site, port: int) -> None:
    log = site.data_dir / "processes.log"
    serve = [PYTHON, "-m", "undersigned.cli", "serve", "--addr", f"{HOST}:{port}"]
    process_start(serve, env=site.env, log=log, port=port)
    worker = process_start(
        [PYTHON, "-m", "undersigned.cli", "worker"],
        env=site.env,
        log=log,
        stdout=subprocess.PIPE,
    )
    surge = Surge(port=port, origin=f"http://{HOST}:{port}", tokens=asyncio.Queue())
    threading.Thread(
        target=read_links, args=(worker, surge, asyncio.get_running_loop()), daemon=True
    ).start()
    presigned = await surge.presign(args.presign, args.signers)
    wait_until = time.monotonic() + 120
    while len(surge.mailed) < presigned and time.monotonic() < wait_until:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.5)  # let any cached count expire
    initial = await count_now(port)

    started = time.monotonic()
    surge.deadline = started + args.seconds
    poller = asyncio.create_task(surge.poller())
    await asyncio.gather(
        *(surge.signer(n) for n in range(args.signers)),
        *(surge.confirmer(marker=False) for _ in range(args.confirmers)),
        surge.confirmer(marker=True),
    )
    writes_stopped = time.monotonic()
    await asyncio.sleep(args.tail)
    surge.polling = False
    await poller

    confirmed = sum(c.ok for c in surge.confirmations)
    confirm_errors = sum(not c.ok for c in surge.confirmations)
    elapsed = writes_stopped - started
    all_delays, marker_delays, unseen = delays(surge, initial)
    final_counts = [await count_now(port) for _ in range(6)]
    counted = counted_signatures(site)
    check = site.manage("reconcile_counts", "--check")

    print(
        f"\nsurge: {elapsed:.1f} s, {args.signers} signing + {args.confirmers} confirming "
        f"connections + 1 marker a second; count.json polled every {POLL_INTERVAL * 1000:.0f} ms "
        f"({len(surge.polls)} polls)\n"
    )
    mailed = sum(started <= t <= writes_stopped for t in surge.mailed)
    backlog = presigned + surge.signed - sum(t <= writes_stopped for t in surge.mailed)
    sign_ms = sorted(1000 * v for v in surge.sign_latencies)
    confirm_ms = sorted(1000 * (c.returned - c.sent) for c in surge.confirmations)
    print_table(
        ["what", "total", "per second", "errors", "p50 ms", "p95 ms"],
        [
            [
                "sign POSTs answered 302",
                str(surge.signed),
                f"{surge.signed / elapsed:.1f}",
                str(surge.sign_errors),
                f"{percentile(sign_ms, 0.5):.0f}",
                f"{percentile(sign_ms, 0.95):.0f}",
            ],
            [
                "confirmation links mailed",
                str(mailed),
                f"{mailed / elapsed:.1f}",
                "",
                "",
                "",
            ],
            [
                "confirm POSTs answered 200",
                str(confirmed),
                f"{confirmed / elapsed:.1f}",
                str(confirm_errors),
                f"{percentile(confirm_ms, 0.5):.0f}",
                f"{percentile(confirm_ms, 0.95):.0f}",
            ],
        ],
    )
    waited = surge.waiting_for_links / (args.confirmers * elapsed)
    after = [t for t in surge.mailed if t > writes_stopped]
    drain = f"{len(after) / (max(after) - writes_stopped):.0f}/s" if after else "nothing"
    print(
        f"\nbefore the surge: {presigned} signed and mailed. Confirming connections waited for a "
        f"link {100 * waited:.0f}% of the time.\nmail backlog when writes stopped: {backlog} "
        f"links; with no other writes the worker then mailed {len(after)} in {args.tail:g} s "
        f"({drain})\n"
    )

    def delay_row(name: str, values: list[float]) -> list[str]:
        late = sum(v > REQUIREMENT_SECONDS for v in values)
        return [
            name,
            str(len(values)),
            f"{percentile(values, 0.5):.2f}",
            f"{percentile(values, 0.95):.2f}",
            f"{max(values, default=float('nan')):.2f}",
            str(late),
        ]

    print_table(
        ["count delay (s)", "samples", "p50", "p95", "max", f"> {REQUIREMENT_SECONDS:g} s"],
        [
            delay_row("marker, 1 a second", marker_delays),
            delay_row("every confirmation", all_delays),
        ],
    )
    if unseen:
        print(f"NOT SHOWN within {args.tail:g} s after writes stopped: {unseen} confirmations")
    expected = initial + confirmed
    print(
        f"\nafter writes stopped: count.json {sorted(set(final_counts))}, initial {initial} + "
        f"confirmed {confirmed} = {expected}, counted signatures in the database {counted}"
    )
    print(f"reconcile_counts --check: exit {check.returncode}: {check.stdout.strip()}")
    met = (
        not unseen
        and all_delays
        and max(all_delays) <= REQUIREMENT_SECONDS
        and set(final_counts) == {counted} == {expected}
        and check.returncode == 0
    )
    print(
        f"\nrequirement (shown within {REQUIREMENT_SECONDS:g} s, exact once writes stop): "
        f"{'MET' if met else 'NOT MET'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of the surge")
    parser.add_argument("--signers", type=int, default=8, help="signing connections")
    parser.add_argument("--confirmers", type=int, default=8, help="confirming connections")
    parser.add_argument("--tail", type=float, default=5, help="polling after writes stop")
    parser.add_argument(
        "--presign", type=int, default=600, help="signatures signed and mailed before the surge"
    )
    args = parser.parse_args()
    port = free_port()
    site = site_create(BASE_URL=f"http://{HOST}:{port}", EMAIL_URL="console:", LOG_LEVEL="WARNING")
    print(f"database: {site.database}; {machine_note()}")
    workers = site.env.get("WEB_WORKERS", "2")
    threads = site.env.get("WEB_THREADS", "8")
    print(
        f"processes: `undersigned serve` (granian, {workers} workers x {threads} threads; "
        "WEB_WORKERS and WEB_THREADS change them) + `undersigned worker`"
    )
    try:
        asyncio.run(surge_run(args, site, port))
    finally:
        stop_all()


if __name__ == "__main__":
    main()
