"""Helpers for tests that start real `undersigned` processes beside the test database."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

# Settings another process must not inherit from the shell running the tests.
INFRASTRUCTURE = ("DATABASE_URL", "CACHE_URL", "REDIS_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment_for_another_process(tmp_path: Path, **values: str) -> dict[str, str]:
    """The environment of an `undersigned` process started by a test, as an operator sets it."""
    env = {key: value for key, value in os.environ.items() if key not in INFRASTRUCTURE}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return {
        **env,
        "UNDERSIGNED_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "another-process",
        **SIGNING_FROM_ONE_MACHINE,
        **values,
    }


# A test signs from one address, often faster than a person and without the page's stamp:
# only the per-address limit (SIGNATURE_RATE_LIMIT) and the honeypot stay in force. Its
# signers share one domain, which no fraud alert should mail the organisers about.
SIGNING_FROM_ONE_MACHINE = {
    "SUBNET_RATE_LIMIT": "1000000/h",
    "LETTER_RATE_LIMIT": "1000000/m",
    "DOMAIN_RATE_LIMIT": "1000000/h",
    "SUSPECT_RULES": "honeypot",
    "FRAUD_ALERT_THRESHOLD": "1000000",
}


def settings_of_another_process(tmp_path: Path, names: list[str], **values: str) -> dict[str, Any]:
    """The named settings as `undersigned` reads them from the given environment."""
    code = (
        "import json, sys; from django.conf import settings; "
        "print(json.dumps({n: getattr(settings, n) for n in sys.argv[1:]}, default=str))"
    )
    env = {**environment_for_another_process(tmp_path, **values)}
    env["DJANGO_SETTINGS_MODULE"] = "undersigned.settings"
    done = subprocess.run(
        [sys.executable, "-c", code, *names],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout))


def database_url_of_test_database() -> str:
    """A DATABASE_URL for the database this test runs against, for another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for_other_sessions_to_end() -> None:
    """The test database is flushed or dropped next: on PostgreSQL, let the sessions of
    processes the test started (and killed) end first."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            row = cursor.fetchone()
            if row is not None and row[0] == 0:
                return
        time.sleep(0.05)


def logs(tmp_path: Path) -> str:
    """What the worker processes a test started wrote, as worker-*.log in tmp_path."""
    return "\n".join(path.read_text() for path in sorted(tmp_path.glob("worker-*.log")))


def wait_for(
    condition: Any, workers: list[subprocess.Popen[bytes]], tmp_path: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if any(worker.poll() is not None for worker in workers):
            pytest.fail(f"a worker stopped early:\n{logs(tmp_path)}")
        if time.monotonic() > deadline:
            pytest.fail(f"the workers did not get there within {timeout:g} s:\n{logs(tmp_path)}")
        time.sleep(0.1)


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # finish the task at hand, then leave
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
