"""Which web server should `undersigned serve` run? Measure each on the same pages.

    uv run python bench/servers.py                         # SQLite, in a throwaway data dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench uv run python bench/servers.py

Each server gets the same number of worker processes (--workers, 2 by default) and a
free loopback port; all of them run side by side and take turns: each endpoint is warmed up
once, then loaded for a fixed time from a bounded number of connections, in several rounds,
so that a busy moment on a shared machine does not land on one server only. The load
comes from wrk (Debian package `wrk`) where it is installed, else from bench/loadgen.py in
a process of its own. Takes about five minutes with the defaults.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from harness import (
    HOST,
    LETTER,
    PYTHON,
    MemoryPeak,
    free_port,
    group_cpu_seconds,
    machine_note,
    print_table,
    process_start,
    site_create,
    stop_all,
)

BENCH = Path(__file__).resolve().parent


def granian(port: int, workers: int) -> list[str]:
    """Exactly as `undersigned serve` runs it: WSGI, 8 blocking threads per worker."""
    addr = f"{HOST}:{port}"
    return [PYTHON, "-m", "undersigned.cli", "serve", "--addr", addr, "--workers", str(workers)]


def granian_two_threads(port: int, workers: int) -> list[str]:
    """`undersigned serve --threads 2`: fewer requests at once in each worker."""
    return [*granian(port, workers), "--threads", "2"]


def gunicorn_sync(port: int, workers: int) -> list[str]:
    return [
        *(PYTHON, "-m", "gunicorn", "undersigned.wsgi:application"),
        *("--bind", f"{HOST}:{port}", "--workers", str(workers)),
    ]


def gunicorn_gthread(port: int, workers: int) -> list[str]:
    return [*gunicorn_sync(port, workers), "--worker-class", "gthread", "--threads", "8"]


def uvicorn_asgi(port: int, workers: int) -> list[str]:
    return [
        *(PYTHON, "-m", "uvicorn", "undersigned.asgi:application"),
        *("--host", HOST, "--port", str(port), "--workers", str(workers)),
        *("--no-access-log", "--log-level", "warning"),
    ]


# Under ASGI each request runs its sync code in a new thread, and a persistent database
# connection per thread piles up until PostgreSQL refuses more; Django advises none there.
SERVER_ENV = {"uvicorn-asgi": {"DATABASE_CONN_MAX_AGE": "0"}}
SERVERS = {
    "granian-wsgi": granian,
    "granian-wsgi-t2": granian_two_threads,
    "gunicorn-sync": gunicorn_sync,
    "gunicorn-gthread": gunicorn_gthread,
    "uvicorn-asgi": uvicorn_asgi,
}
ENDPOINTS = {
    "letter page": ("get", f"/letters/{LETTER}/"),
    "count.json": ("get", f"/letters/{LETTER}/count.json"),
    "API detail": ("get", f"/api/v1/letters/{LETTER}/"),
    "sign POST": ("sign", f"/letters/{LETTER}/sign/"),
}


@dataclass
class Measurement:
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: int
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def load_wrk(port: int, mode: str, path: str, duration: float, connections: int) -> Measurement:
    run = uuid.uuid4().hex[:12]
    command = [
        *("wrk", "--threads", "1", "--connections", str(connections)),
        *(
            "--duration",
            f"{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "--script",
            str(BENCH / "wrk.lua"),
        ),
        *(f"http://{HOST}:{port}{path}", "--", mode, run, f"http://{HOST}:{port}"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRK_RESULT ")]
    if not lines:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}{done.stderr}")
    line = lines[0]
    values = {k: int(v) for k, v in (part.split("=") for part in line.split()[1:])}
    errors = sum(values[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Measurement(
        requests=values["requests"],
        seconds=values["duration_us"] / 1e6,
        p50=values["p50_us"] / 1e3,
        p95=values["p95_us"] / 1e3,
        p99=values["p99_us"] / 1e3,
        errors=errors,
    )


def load_python(port: int, mode: str, path: str, duration: float, connections: int) -> Measurement:
    command = [
        *(PYTHON, str(BENCH / "loadgen.py"), "--port", str(port), "--path", path),
        *("--mode", mode, "--duration", f"{duration:g}", "--concurrency", str(connections)),
        *("--run", uuid.uuid4().hex[:12]),
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60).stdout
    data = json.loads(out)
    latencies = data["latencies"]

    def ms(fraction: float) -> float:
        return 1e3 * latencies[min(len(latencies) - 1, int(fraction * len(latencies)))]

    return Measurement(
        requests=data["requests"],
        seconds=data["seconds"],
        p50=ms(0.50),
        p95=ms(0.95),
        p99=ms(0.99),
        errors=data["errors"],
    )


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _row(name: str, endpoint: str, rounds: list[Measurement], memory: MemoryPeak) -> list[str]:
    rates = [m.rate for m in rounds]
    requests = sum(m.requests for m in rounds)
    total = requests / sum(m.seconds for m in rounds)
    cpu_ms = 1000 * sum(m.cpu_seconds for m in rounds) / max(1, requests)
    return [
        name,
        endpoint,
        f"{total:.0f} ({min(rates):.0f}-{max(rates):.0f})",
        f"{_median([m.p50 for m in rounds]):.1f}",
        f"{_median([m.p95 for m in rounds]):.1f}",
        f"{_median([m.p99 for m in rounds]):.1f}",
        f"{cpu_ms:.1f}",
        str(sum(m.errors for m in rounds)),
        f"{memory.rss_kib / 1024:.0f} / {memory.pss_kib / 1024:.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4, help="per endpoint and round")
    parser.add_argument("--warmup", type=int, default=2, help="seconds per endpoint, once")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk"))
    load = load_wrk if use_wrk else load_python

    site = site_create()
    print(f"database: {site.database}; {machine_note()}")
    print(
        f"load: {'wrk' if use_wrk else 'bench/loadgen.py'}, {args.connections} connections; "
        f"{args.warmup:g} s warm-up, then {args.rounds} rounds of {args.seconds:g} s per "
        f"server and endpoint, servers taking turns; {args.workers} worker processes each",
        flush=True,
    )
    ports: dict[str, int] = {}
    memory: dict[str, MemoryPeak] = {}
    results: dict[tuple[str, str], list[Measurement]] = {}
    try:
        for name in args.servers:
            ports[name] = free_port()
            command = SERVERS[name](ports[name], args.workers)
            log = site.data_dir / f"{name}.log"
            env = {**site.env, **SERVER_ENV.get(name, {})}
            server = process_start(command, env=env, log=log, port=ports[name])
            memory[name] = MemoryPeak(server.pid)
            memory[name].start()
        # Servers take turns within each round, so a noisy moment on the machine is shared
        # out rather than landing on one server.
        for round_number in range(args.rounds):
            for endpoint, (mode, path) in ENDPOINTS.items():
                for name, port in ports.items():
                    if round_number == 0:
                        load(port, mode, path, args.warmup, args.connections)
                    cpu_before = group_cpu_seconds(memory[name].pgid)
                    measured = load(port, mode, path, args.seconds, args.connections)
                    measured.cpu_seconds = group_cpu_seconds(memory[name].pgid) - cpu_before
                    results.setdefault((name, endpoint), []).append(measured)
            print(f"round {round_number + 1} of {args.rounds} done", flush=True)
    finally:
        for peak in memory.values():
            peak.stop()
        stop_all()
    print()
    print_table(
        [
            "server",
            "endpoint",
            "req/s (rounds min-max)",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "CPU ms/req",
            "errors",
            "peak RSS / PSS MiB",
        ],
        [
            _row(name, endpoint, results[name, endpoint], memory[name])
            for name in ports
            for endpoint in ENDPOINTS
        ],
    )
    for name in ports:
        if any(m.errors for endpoint in ENDPOINTS for m in results[name, endpoint]):
            lines = (site.data_dir / f"{name}.log").read_text(errors="replace").splitlines()
            print(f"\n{name} log, last lines:\n" + "\n".join(line[:200] for line in lines[-8:]))
    print(
        "\nreq/s: all rounds together; latency: median of the rounds' percentiles; CPU ms/req: "
        "the server's processes' user + system time over the requests they answered, which a "
        "busy machine disturbs least; memory: sum over the server's processes (PSS shares "
        "pages among workers)"
    )


if __name__ == "__main__":
    main()
