"""Invariant 1: a signature the server acknowledged survives the server dying at once."""

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django_tasks_db.models import DBTaskResult

from tests.conftest import SIGNER
from tests.processes import (
    SIGNING_FROM_ONE_MACHINE,
    database_url_of_test_database,
    free_port,
    wait_for_other_sessions_to_end,
)
from undersigned.letters.models import Letter
from undersigned.signing.models import Level, Signature

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until_serving(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited before it served"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    pytest.fail("the server did not answer within 30 s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`undersigned serve` in its own process group, on the test database."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "BASE_URL": f"http://127.0.0.1:{port}",
        "SIGNATURE_RATE_LIMIT": "1000/h",
        **SIGNING_FROM_ONE_MACHINE,
    }
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "undersigned.cli",
                "serve",
                "--addr",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(port, process)
        yield process, port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        wait_for_other_sessions_to_end()


def test_it_keeps_an_acknowledged_signature_when_the_server_is_killed_at_once(
    petition: Letter, server: tuple[subprocess.Popen[bytes], int]
) -> None:
    process, port = server
    form = {**SIGNER, "email": "durable.dora@example.org", "version": petition.text_hash()}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        f"/letters/{petition.slug}/sign/",
        body=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{port}",
        },
    )
    response = conn.getresponse()
    os.killpg(process.pid, signal.SIGKILL)  # the moment the acknowledgement arrives
    process.wait()

    assert response.status == 302
    assert response.getheader("Location") == f"/letters/{petition.slug}/signed/"
    signature = Signature.objects.get(letter=petition)
    assert signature.email == "durable.dora@example.org"
    assert signature.level == Level.PENDING
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "undersigned.signing.tasks.send_confirmation"
    assert queued.args_kwargs == {"args": [signature.pk], "kwargs": {}}
    assert queued.status == "READY"
