"""An open-model load generator: sign POSTs on a fixed schedule, for bench/surge.py.

    python bench/surge_open.py --port 8000 --path /letters/x/sign/ --rate 1000 --duration 10

wrk keeps a fixed number of connections busy (a closed model): when the server slows
down, wrk sends less, and the requests it did not send never show in its latencies
("coordinated omission"). wrk2's `-R` fixes that, but wrk2 is not in Debian, so this is a
small one of our own. It runs in a process of its own, with asyncio on one core (1,000
requests a second cost it some 10-20 % of a core, which it reports), and sends request i
at start + i / rate whatever happened to the earlier ones. Each request takes an idle
keep-alive connection, or opens a new one up to --connections; past that it waits for one,
and that wait counts: every latency runs from the request's scheduled time, not from when
it went out. Requests still unanswered --grace seconds after the schedule ends are counted
as unfinished, at an infinite latency. Prints one JSON object.
"""

import argparse
import asyncio
import json
import random
import resource
import time
from collections import Counter

from loadgen import TIMEOUT, Connection, sign_body


async def drive(args: argparse.Namespace) -> dict[str, object]:
    origin = args.origin
    headers = {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"}
    slots = asyncio.Semaphore(args.connections)
    idle: list[Connection] = []
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lags: list[float] = []
    opened = 0
    total = int(args.rate * args.duration)

    async def one(number: int, scheduled: float) -> None:
        nonlocal opened
        async with slots:
            if idle:
                connection = idle.pop()
            else:
                connection = Connection(args.port)
                opened += 1
            address = f"o{args.run}-{number}-{random.randrange(10**6):06d}@example.org"
            body = sign_body(address)
            try:
                status, _ = await asyncio.wait_for(
                    connection.request("POST", args.path, body=body, headers=headers), TIMEOUT
                )
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                await connection.close()
                status = 0
            else:
                idle.append(connection)
            latencies.append(time.monotonic() - scheduled)
            statuses[str(status)] += 1

    tasks = []
    started = time.monotonic()
    for number in range(total):
        scheduled = started + number / args.rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(time.monotonic() - scheduled)
        tasks.append(asyncio.create_task(one(number, scheduled)))
    schedule_end = time.monotonic()
    _done, pending = await asyncio.wait(tasks, timeout=args.grace) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    finished = time.monotonic()
    for connection in idle:
        await connection.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    lags.sort()
    return {
        "scheduled": total,
        "rate": args.rate,
        "schedule_seconds": schedule_end - started,
        "seconds": finished - started,
        "completed": len(latencies),
        "unfinished": len(pending),
        "statuses": dict(statuses),
        "latencies": sorted(latencies),
        "connections_opened": opened,
        "scheduler_lag_p99": lags[int(0.99 * (len(lags) - 1))] if lags else 0.0,
        "scheduler_lag_max": lags[-1] if lags else 0.0,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--origin", required=True)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=512)
    parser.add_argument("--grace", type=float, default=10)
    parser.add_argument("--run", default="0")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(drive(args))))


if __name__ == "__main__":
    main()
