"""How much memory the web server and one worker hold, at rest and under a short load.

Issue 9's target: `undersigned serve` (granian, its default workers and threads) and one
`undersigned worker` together at most 150 MB of PSS at rest. On a throwaway demo site
(SQLite, or PostgreSQL with --database postgres), it starts both, waits until the worker
has done the demo's startup tasks (its deliveries' PDFs among them), sends 30 warm-up GETs
(home, letter page, count.json, signatures page), rests, and prints each process's PSS and
RSS from /proc/<pid>/smaps_rollup with the total against the target. Then it loads the
site for a few seconds (GETs of the letter page and sign POSTs, from bench/loadgen.py) and
prints each process's peak, the peak of the total, and the numbers after a second rest.

    uv run python bench/memory.py [--database postgres] [--rest 20] [--load-seconds 10]

PSS divides a page shared by several processes among them, so the total is what the
machine spends; RSS counts shared pages in full in each. To measure other product code
with this script, put its src first: PYTHONPATH=/elsewhere/src python bench/memory.py.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import (
    HOST,
    LETTER,
    PYTHON,
    _group_members,
    _memory_kib,
    free_port,
    machine_note,
    print_table,
    process_start,
    process_stop,
    site_create,
)

BENCH = Path(__file__).resolve().parent
TARGET_MB = 150
WARM_UP_PATHS = ["/", f"/letters/{LETTER}/", f"/letters/{LETTER}/count.json"]
WARM_UP_PATHS.append(f"/letters/{LETTER}/signatures/")

# Run by `undersigned shell` in the site: returns once no task that is due is waiting or
# running and every delivery has its files.
WAIT_FOR_WORKER = """
import time
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from undersigned.deliveries.models import Delivery
deadline = time.monotonic() + {timeout}
while time.monotonic() < deadline:
    due = Q(run_after__isnull=True) | Q(run_after__lte=timezone.now())
    busy = DBTaskResult.objects.filter(due, status__in=["READY", "RUNNING"]).exists()
    unbuilt = Delivery.objects.filter(files_event_id__isnull=True).exists()
    if not busy and not unbuilt:
        print(Delivery.objects.count())
        raise SystemExit(0)
    time.sleep(0.5)
raise SystemExit("the worker did not finish its startup tasks in time")
"""


def _last_line(output: str) -> str:
    """What a `shell -c` printed last (Django's shell first says what it imported)."""
    lines = output.strip().splitlines()
    return lines[-1] if lines else ""


def mb(kib: int) -> str:
    return f"{kib / 1024:.1f}"


def roles(server: subprocess.Popen[bytes], worker: subprocess.Popen[bytes]) -> dict[int, str]:
    """Every live process of the two groups, by pid, with what it is."""
    named = {}
    web = sorted(pid for pid in _group_members(server.pid) if pid != server.pid)
    named[server.pid] = "granian (main)"
    for number, pid in enumerate(web, 1):
        named[pid] = f"web worker {number}"
    named[worker.pid] = "worker"
    for pid in _group_members(worker.pid):
        if pid != worker.pid:
            named[pid] = f"worker's child {pid}"
    return named


def memory_table(named: dict[int, str], peaks: dict[int, tuple[int, int]] | None = None) -> int:
    """Print each process's PSS and RSS (now, or the peaks given); returns the PSS total."""
    rows = []
    total_rss = total_pss = 0
    for pid, role in named.items():
        rss, pss = peaks[pid] if peaks is not None else _memory_kib(pid)
        total_rss += rss
        total_pss += pss
        rows.append([role, str(pid), mb(pss), mb(rss)])
    verdict = "within" if total_pss <= TARGET_MB * 1024 else "OVER"
    rows.append(["total", "", mb(total_pss), mb(total_rss)])
    print_table(["process", "pid", "PSS MB", "RSS MB"], rows)
    print(f"total PSS {mb(total_pss)} MB: {verdict} the {TARGET_MB} MB target\n")
    return total_pss


def warm_up(port: int, requests: int) -> None:
    for number in range(requests):
        path = WARM_UP_PATHS[number % len(WARM_UP_PATHS)]
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=30) as response:
            response.read()


def load(
    port: int, seconds: float, server: subprocess.Popen[bytes], worker: subprocess.Popen[bytes]
) -> tuple[dict[int, str], dict[int, tuple[int, int]], int, list[str]]:
    """GETs and sign POSTs for `seconds`, sampling every process's memory meanwhile:
    (the processes, each one's peak (RSS, PSS), the peak of the PSS total, what was sent)."""
    # Each driver prints every latency at the end: to a file, not a pipe that could fill.
    outputs = [tempfile.TemporaryFile("w+") for _ in range(2)]  # noqa: SIM115 (closed below)
    drivers = [
        subprocess.Popen(
            [
                *(PYTHON, str(BENCH / "loadgen.py"), "--port", str(port), "--path", path),
                *("--mode", mode, "--duration", str(seconds), "--concurrency", "4", "--run", mode),
            ],
            stdout=output,
        )
        for output, (mode, path) in zip(
            outputs,
            (("get", f"/letters/{LETTER}/"), ("sign", f"/letters/{LETTER}/sign/")),
            strict=True,
        )
    ]
    named: dict[int, str] = {}
    peaks: dict[int, tuple[int, int]] = {}
    peak_total = 0
    while any(driver.poll() is None for driver in drivers):
        current = roles(server, worker)
        named.update(current)
        total = 0
        for pid in current:
            rss, pss = _memory_kib(pid)
            old_rss, old_pss = peaks.get(pid, (0, 0))
            peaks[pid] = (max(old_rss, rss), max(old_pss, pss))
            total += pss
        peak_total = max(peak_total, total)
        time.sleep(0.2)
    sent = []
    for driver, output, what in zip(
        drivers, outputs, ("letter page GETs", "sign POSTs"), strict=True
    ):
        driver.wait()
        output.seek(0)
        result = json.loads(output.read())
        output.close()
        sent.append(f"{result['requests']} {what} ({result['errors']} errors)")
    return named, peaks, peak_total, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres",
        help="the server to make a throwaway database on, with --database postgres",
    )
    parser.add_argument("--warm-up", type=int, default=30, help="GETs before the rest")
    parser.add_argument("--rest", type=float, default=20, help="seconds at rest before measuring")
    parser.add_argument("--load-seconds", type=float, default=10)
    parser.add_argument("--worker-timeout", type=float, default=300)
    args = parser.parse_args()

    print(f"{machine_note()}; python {sys.version.split()[0]}")
    site = site_create("" if args.database == "sqlite" else args.postgres_url)
    import_root = site.manage("shell", "-c", "import undersigned; print(undersigned.__path__[0])")
    print(f"site: {site.database}, product code from {_last_line(import_root.stdout)}")
    port = free_port()
    log = site.data_dir / "processes.log"
    started = time.monotonic()
    server = process_start(
        [PYTHON, "-m", "undersigned.cli", "serve", "--addr", f"{HOST}:{port}"],
        env=site.env,
        log=log,
        port=port,
    )
    worker = process_start([PYTHON, "-m", "undersigned.cli", "worker"], env=site.env, log=log)
    try:
        waited = site.manage("shell", "-c", WAIT_FOR_WORKER.format(timeout=args.worker_timeout))
        if waited.returncode != 0 or worker.poll() is not None:
            sys.exit(f"waiting for the worker failed:\n{waited.stderr}\n{log.read_text()[-3000:]}")
        print(
            f"the worker built {_last_line(waited.stdout)} deliveries' files and did its other "
            f"startup tasks in {time.monotonic() - started:.0f} s"
        )
        warm_up(port, args.warm_up)
        time.sleep(args.rest)
        print(f"\nAt rest: {args.warm_up} warm-up GETs, then {args.rest:g} s idle\n")
        memory_table(roles(server, worker))

        named, peaks, peak_total, sent = load(port, args.load_seconds, server, worker)
        print(f"Under load: {args.load_seconds:g} s of {' and '.join(sent)}; each one's peak\n")
        memory_table(named, peaks)
        verdict = "within" if peak_total <= TARGET_MB * 1024 else "over"
        print(f"peak of the total PSS during the load: {mb(peak_total)} MB ({verdict} target)\n")

        time.sleep(args.rest)
        print(f"After the load, {args.rest:g} s idle\n")
        memory_table(roles(server, worker))
    finally:
        process_stop(server)
        process_stop(worker)


if __name__ == "__main__":
    main()
