"""The pieces bench/surge.py drives: wrk (or its fallback), the open-model generator,
nginx with docs/deploy/nginx.conf, the helper process inside the site, and samplers of
the machine's memory and load."""

import asyncio
import contextlib
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import (
    HOST,
    PYTHON,
    ROOT,
    Site,
    free_port,
    group_cpu_seconds,
    groups_memory_kib,
    percentile,
    process_start,
    process_stop,
)
from loadgen import TIMEOUT, Connection, sign_body

BENCH = Path(__file__).resolve().parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
WRK = shutil.which("wrk")
INSTALL_HINT = (
    "wrk and nginx come from Debian's packages: `apt-get update && apt-get install -y wrk "
    "nginx-light`; without wrk the suite falls back to bench/loadgen.py (slower, and it "
    "takes more of the CPU), without nginx it skips the rows through the proxy"
)


# Load ----------------------------------------------------------------------------------


@dataclass
class Load:
    """What one load run got back: every response, and how many had each status."""

    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    max: float
    socket_errors: int
    statuses: dict[int, int] = field(default_factory=dict)
    generator: str = "wrk"

    def count(self, *statuses: int) -> int:
        return sum(self.statuses.get(status, 0) for status in statuses)

    def rate(self, *statuses: int) -> float:
        done = self.count(*statuses) if statuses else self.requests
        return done / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "p99_ms": round(self.p99, 2),
            "max_ms": round(self.max, 2),
            "socket_errors": self.socket_errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "generator": self.generator,
        }


def wrk(
    url: str,
    mode: str,
    *,
    origin: str,
    seconds: float,
    connections: int,
    extra: str = "",
    threads: int = 1,
) -> Load:
    """One wrk run with bench/surge_sign.lua (see it for the modes)."""
    run = uuid.uuid4().hex[:10]
    command = [
        *(WRK or "wrk", "--threads", str(threads), "--connections", str(connections)),
        *("--duration", f"{max(1, round(seconds))}s", "--timeout", "10s"),
        *("--script", str(BENCH / "surge_sign.lua"), url),
        *("--", mode, run, origin, extra, str(threads)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    result = [line for line in done.stdout.splitlines() if line.startswith("WRK_RESULT ")]
    status = [line for line in done.stdout.splitlines() if line.startswith("WRK_STATUS")]
    if not result:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}{done.stderr}")
    values = {k: int(v) for k, v in (part.split("=") for part in result[0].split()[1:])}
    statuses = {}
    for part in status[0].split()[1:] if status else []:
        code, n = part.split("=")
        statuses[int(code)] = int(n)
    if mode == "get":  # statuses are not read in Lua there: wrk counts those >= 400
        statuses = {200: values["requests"] - values["status"], 400: values["status"]}
    return Load(
        requests=values["requests"],
        seconds=values["duration_us"] / 1e6,
        p50=values["p50_us"] / 1e3,
        p95=values["p95_us"] / 1e3,
        p99=values["p99_us"] / 1e3,
        max=values["max_us"] / 1e3,
        socket_errors=sum(values[k] for k in ("connect", "read", "write", "timeout")),
        statuses=statuses,
    )


async def _python_load(
    port: int, mode: str, path: str, origin: str, seconds: float, connections: int, extra: str
) -> Load:
    """The fallback without wrk: loadgen's client, closed model, statuses counted."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    tokens = Path(extra).read_text().split() if mode == "confirm" else []
    deadline = time.monotonic() + seconds
    run = uuid.uuid4().hex[:10]
    form = {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"}

    async def one(number: int) -> None:
        connection, sent = Connection(port), 0
        while time.monotonic() < deadline:
            sent += 1
            if mode == "sign":
                body = sign_body(f"s{run}-{number}-{sent}-{uuid.uuid4().hex[:6]}@example.org")
                request = connection.request("POST", path, body=body, headers=form)
            elif mode == "confirm":
                if not tokens:
                    break
                token = tokens.pop()
                request = connection.request("POST", f"/confirm/{token}/", headers=form)
            else:
                request = connection.request("GET", path)
            started = time.monotonic()
            try:
                status, _ = await asyncio.wait_for(request, TIMEOUT)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                await connection.close()
                status = 0
            latencies.append(time.monotonic() - started)
            statuses[status] += 1
        await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(one(n) for n in range(connections)))
    elapsed = time.monotonic() - started
    ms = sorted(1000 * v for v in latencies)
    return Load(
        requests=len(ms),
        seconds=elapsed,
        p50=percentile(ms, 0.5),
        p95=percentile(ms, 0.95),
        p99=percentile(ms, 0.99),
        max=ms[-1] if ms else float("nan"),
        socket_errors=statuses.pop(0, 0),
        statuses=dict(statuses),
        generator="python",
    )


def load(
    port: int,
    mode: str,
    path: str,
    *,
    origin: str,
    seconds: float,
    connections: int,
    extra: str = "",
) -> Load:
    """wrk where it is installed, else the Python fallback in a process of its own."""
    if WRK:
        url = f"http://{HOST}:{port}{path}"
        return wrk(url, mode, origin=origin, seconds=seconds, connections=connections, extra=extra)
    code = (
        "import asyncio, json, sys; sys.path.insert(0, sys.argv[1]); import surge_tools;"
        "a = json.loads(sys.argv[2]);"
        "print(json.dumps(asyncio.run(surge_tools._python_load(**a)).__dict__))"
    )
    arguments = {
        "port": port,
        "mode": mode,
        "path": path,
        "origin": origin,
        "seconds": seconds,
        "connections": connections,
        "extra": extra,
    }
    done = subprocess.run(
        [PYTHON, "-c", code, str(BENCH), json.dumps(arguments)],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    data = json.loads(done.stdout)
    data["statuses"] = {int(k): v for k, v in data["statuses"].items()}
    return Load(**data)


def open_model(
    port: int, path: str, *, origin: str, rate: float, seconds: float, grace: float
) -> dict[str, Any]:
    """bench/surge_open.py in a process of its own: sign POSTs on a fixed schedule."""
    command = [
        *(PYTHON, str(BENCH / "surge_open.py"), "--port", str(port), "--path", path),
        *("--origin", origin, "--rate", f"{rate:g}", "--duration", f"{seconds:g}"),
        *("--run", uuid.uuid4().hex[:10], "--grace", f"{grace:g}"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + grace + 60)
    if done.returncode != 0:
        raise RuntimeError(f"surge_open.py failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, float]:
    """One GET on a new connection: status, headers (lower-case names), milliseconds."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        elapsed = 1000 * (time.perf_counter() - started)
        return response.status, {k.lower(): v for k, v in response.getheaders()}, elapsed
    finally:
        connection.close()


def gets(port: int, path: str, count: int, headers: dict[str, str] | None = None) -> list[Any]:
    """`count` GETs over one keep-alive connection: (status, headers, ms) each."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    answers = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            elapsed = 1000 * (time.perf_counter() - started)
            answers.append(
                (response.status, {k.lower(): v for k, v in response.getheaders()}, elapsed)
            )
    finally:
        connection.close()
    return answers


# nginx ---------------------------------------------------------------------------------


@dataclass
class Nginx:
    """docs/deploy/nginx.conf with its placeholders filled, as a child process."""

    upstream_ports: list[int]
    static_root: Path
    port: int = 0
    process: Any = None
    prefix: Path | None = None

    def start(self) -> None:
        assert NGINX
        self.port = free_port()
        self.prefix = Path(tempfile.mkdtemp(prefix="undersigned-nginx-"))
        cache = self.prefix / "cache"
        cache.mkdir()
        upstreams = "\n        ".join(f"server {HOST}:{port};" for port in self.upstream_ports)
        values = {
            "__PREFIX__": str(self.prefix),
            "__CACHE_DIR__": str(cache),
            "__ERROR_LOG__": str(self.prefix / "error.log"),
            "__ACCESS_LOG__": "off",
            "__LISTEN__": f"{HOST}:{self.port}",
            "__SERVER_NAME__": "_",
            "__UPSTREAMS__": upstreams,
            "__STATIC_ROOT__": str(self.static_root),
        }
        text = (ROOT / "docs" / "deploy" / "nginx.conf").read_text()
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        config = self.prefix / "nginx.conf"
        config.write_text(text)
        if os.geteuid() == 0:  # its workers run as nobody and must write the cache
            for path in (self.prefix, cache):
                shutil.chown(path, "nobody", "nogroup")
        env = {"UNDERSIGNED_DATA_DIR": str(self.prefix), "PATH": os.environ.get("PATH", "")}
        command = [NGINX, "-p", str(self.prefix), "-c", str(config), "-g", "daemon off;"]
        self.process = process_start(
            command, env=env, log=self.prefix / "stderr.log", port=self.port
        )

    def stop(self) -> None:
        if self.process is not None:
            process_stop(self.process)
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)


# The helper inside the site ------------------------------------------------------------


class Helper:
    """bench/surge_helper.py, started with the site's env; one JSON line each way."""

    def __init__(self, site: Site) -> None:
        import subprocess as sp

        log = site.data_dir / "helper.log"
        self.process = process_start(
            [PYTHON, str(BENCH / "surge_helper.py")],
            env=site.env,
            log=log,
            stdin=sp.PIPE,
            stdout=sp.PIPE,
        )
        self.lock = threading.Lock()
        ready = self._line()
        self.src = ready["src"]

    def _line(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the helper stopped; see helper.log in the data directory")
        return json.loads(line)

    def ask(self, op: str, **arguments: Any) -> Any:
        assert self.process.stdin is not None
        with self.lock:
            self.process.stdin.write((json.dumps({"op": op, **arguments}) + "\n").encode())
            self.process.stdin.flush()
            answer = self._line()
        if "error" in answer:
            raise RuntimeError(f"helper {op}: {answer['error']}")
        return answer["ok"]


# The machine ---------------------------------------------------------------------------


def memory_total_mib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def source_tree() -> dict[str, Any]:
    """Which `undersigned` the servers will import (PYTHONPATH decides), and its commit."""
    done = subprocess.run(
        [PYTHON, "-c", "import undersigned; print(undersigned.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    package = Path(done.stdout.strip()).parent
    src = package.parent

    def git(*args: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                ["git", "-C", str(src), *args], capture_output=True, text=True, timeout=30
            )
            if out.returncode == 0:
                return out.stdout.rstrip("\n")
        return ""

    changed = [line for line in git("status", "--porcelain", "--", ".").splitlines() if line]
    return {
        "src": str(src),
        "commit": git("rev-parse", "HEAD") or "unknown",
        "subject": git("log", "-1", "--format=%s"),
        "uncommitted_changes_in_src": len(changed),
        "changed_files": [line[3:] for line in changed][:50],
        "pythonpath": os.environ.get("PYTHONPATH", ""),
    }


@dataclass
class Sampler:
    """Samples, in the background, the summed memory of some process groups (peak) and
    the machine's load average (highest one-minute figure)."""

    pgids: list[int]
    interval: float = 0.5
    pss_kib: int = 0
    rss_kib: int = 0
    load_max: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> "Sampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            rss, pss = groups_memory_kib(self.pgids)
            self.rss_kib, self.pss_kib = max(self.rss_kib, rss), max(self.pss_kib, pss)
            self.load_max = max(self.load_max, os.getloadavg()[0])


def cpu_seconds(pgids: list[int]) -> float:
    """User and system CPU time used so far by these process groups together."""
    return sum(group_cpu_seconds(pgid) for pgid in pgids)


def body(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().read()
    finally:
        connection.close()


# The organiser's CSV export, in a fresh process: its own peak RSS (ru_maxrss) is the
# export's. It writes what the organiser view streams (export._lines) to /dev/null.
EXPORT_CODE = """
import json, resource, sys, time
import django
django.setup()
from undersigned.letters.models import Letter
from undersigned.signing import export
letter = Letter.objects.get(slug=sys.argv[1])
if hasattr(export, "_lines"):
    lines = export._lines(letter)
else:  # the view's own query, as export.py had it
    from undersigned.signing.models import Signature
    from undersigned.signing.presentation import Audience, listing_order
    signatures = listing_order(
        letter, Signature.objects.counted().filter(letter=letter), oldest_first=True
    )
    lines = export.signatories_csv(letter, signatures, Audience.ORGANISERS)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
rows = size = 0
with open("/dev/null", "w") as out:
    for line in lines:
        out.write(line)
        rows += 1
        size += len(line)
print(json.dumps({"seconds": time.monotonic() - started, "rows": rows - 1, "chars": size,
    "rss_before_mib": before / 1024,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def export_csv(site: Site, slug: str, total: int, timeout: float) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [PYTHON, "-c", EXPORT_CODE, slug],
            env=site.env,
            cwd=site.data_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"no end within {timeout:g} s", "signatures": total}
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-800:], "signatures": total}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "signatures": total}
