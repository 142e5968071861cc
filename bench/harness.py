"""What the benchmarks share: a throwaway site, server processes on loopback, and their memory.

Every process started here runs in its own session, so stopping it stops its workers too,
and nothing else on the machine.
"""

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LETTER = "northwind-drop-the-camera-contract"
HOST = "127.0.0.1"
PYTHON = sys.executable

_started: list[subprocess.Popen[bytes]] = []


@dataclass
class Site:
    """A data directory with the demo letters, on SQLite or on the DATABASE_URL database."""

    data_dir: Path
    env: dict[str, str]

    @property
    def database(self) -> str:
        url = self.env.get("DATABASE_URL", "")
        if not url:
            return "SQLite (WAL)"
        parts = urlsplit(url)
        return f"PostgreSQL ({parts.hostname}:{parts.port or 5432}{parts.path})"

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYTHON, "-m", "undersigned.cli", *args],
            env=self.env,
            cwd=self.data_dir,
            capture_output=True,
            text=True,
            timeout=300,
        )


def _throwaway_database(url: str) -> str:
    """Create a fresh database on the server DATABASE_URL names; drop it at exit."""
    import psycopg

    parts = urlsplit(url)
    name = f"undersigned_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        stop_all()
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return urlunsplit(parts._replace(path=f"/{name}"))


def site_create(database_url: str | None = None, **extra_env: str) -> Site:
    """Migrate a fresh data directory (and PostgreSQL database) and load the demo letters.

    On PostgreSQL when `database_url` (else the environment's DATABASE_URL) names a
    PostgreSQL server, in a throwaway database beside it; otherwise on SQLite in the data
    directory (pass "" for SQLite whatever DATABASE_URL says)."""
    data_dir = Path(tempfile.mkdtemp(prefix="undersigned-bench-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    sqlite_asked = database_url == ""
    if database_url is None:
        database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres:", "postgresql:")):
        extra_env = {"DATABASE_URL": _throwaway_database(database_url), **extra_env}
    env = {
        **os.environ,
        "UNDERSIGNED_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "PYTHONUNBUFFERED": "1",
        "SIGNATURE_RATE_LIMIT": "1000000/h",
        # Every signature comes from one address and one domain, faster than any person
        # and without the page's stamp: the limits stay out of reach, and the rules that
        # would hold each one as suspect are left out (held or counted, one same write).
        "SUBNET_RATE_LIMIT": "1000000000/h",
        "LETTER_RATE_LIMIT": "1000000000/m",
        "DOMAIN_RATE_LIMIT": "1000000000/h",
        "SUSPECT_RULES": "honeypot",
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    for var in ("UNDERSIGNED_DEMO", "DEBUG", "ACCESS_LOG"):
        env.pop(var, None)
    if sqlite_asked:
        env.pop("DATABASE_URL", None)
    site = Site(data_dir=data_dir, env=env)
    for command in (("migrate", "--no-input", "-v", "0"), ("load_demo",)):
        done = site.manage(*command)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return site


def free_port() -> int:
    """A loopback port nobody listens on (some servers share a port with SO_REUSEPORT)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if not _accepts(port):
            return port
    raise RuntimeError("no free loopback port")


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) == 0


def process_start(
    command: list[str], *, env: dict[str, str], log: Path, port: int | None = None, **popen: object
) -> subprocess.Popen[bytes]:
    """Start a command in its own session; with a port, return once the port accepts."""
    if port is not None and _accepts(port):
        raise RuntimeError(f"port {port} is already in use")
    if "stdout" not in popen:
        popen["stdout"] = log.open("ab")
    process = subprocess.Popen(  # type: ignore[call-overload]
        command,
        env=env,
        cwd=env["UNDERSIGNED_DATA_DIR"],
        stderr=log.open("ab"),
        start_new_session=True,
        **popen,
    )
    _started.append(process)
    if port is None:
        return process
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _accepts(port):
            return process
        time.sleep(0.1)
    process_stop(process)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{command[:4]} did not start on port {port}:\n{tail}")


def process_stop(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Stop a process started here, and its workers (its own process group)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Workers that outlived their parent are still in its group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process in _started:
        _started.remove(process)


@atexit.register
def stop_all() -> None:
    for process in list(_started):
        process_stop(process, timeout=5)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def group_cpu_seconds(pgid: int) -> float:
    """User and system CPU time used so far by the live processes of a group."""
    ticks = 0
    for pid in _group_members(pgid):
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process; PSS shares pages among the processes that map them."""
    rss = pss = 0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def groups_memory_kib(pgids: list[int]) -> tuple[int, int]:
    """(RSS, PSS) summed over every live process of these process groups, right now."""
    samples = [_memory_kib(pid) for pgid in pgids for pid in _group_members(pgid)]
    return sum(rss for rss, _ in samples), sum(pss for _, pss in samples)


@dataclass
class MemoryPeak:
    """Samples a process group's summed RSS and PSS in the background; keeps the peaks."""

    pgid: int
    interval: float = 0.25
    rss_kib: int = 0
    pss_kib: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            samples = [_memory_kib(pid) for pid in _group_members(self.pgid)]
            self.rss_kib = max(self.rss_kib, sum(rss for rss, _ in samples))
            self.pss_kib = max(self.pss_kib, sum(pss for _, pss in samples))


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def machine_note() -> str:
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load} before the run"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))
