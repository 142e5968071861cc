import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.processes import environment_for_another_process, free_port


def undersigned(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "undersigned.cli", *args],
        env=environment_for_another_process(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_serve_on_an_address_another_server_listens_on(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = undersigned(tmp_path, "serve", "--addr", f"127.0.0.1:{port}")

    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_it_explains_a_malformed_address(tmp_path: Path) -> None:
    done = undersigned(tmp_path, "serve", "--addr", "localhost")

    assert done.returncode == 1
    assert "--addr wants HOST:PORT" in done.stderr


def test_it_runs_manage_py_commands(tmp_path: Path) -> None:
    done = undersigned(tmp_path, "help", "reconcile_counts")

    assert done.returncode == 0
    assert "Prove every letter's stored count" in done.stdout


def test_it_refuses_a_demo_on_an_address_in_use_before_announcing_it(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = undersigned(tmp_path, "demo", "--addr", f"127.0.0.1:{port}")

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"undersigned: cannot listen on 127.0.0.1:{port}: Address already in use"
        " (is undersigned running already? --addr HOST:PORT picks another)"
    ]
    assert not (tmp_path / "undersigned.db").exists()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_it_stops_the_demos_server_and_worker_cleanly(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    port = free_port()
    demo = start_demo(tmp_path, port)
    try:
        wait_until_answering(port, demo)
        children = _children_of(demo.pid)
        assert len(children) == 2
        demo.send_signal(stop_signal)
        output, _ = demo.communicate(timeout=30)
    finally:
        demo.kill()

    assert demo.returncode == 130
    assert output.endswith("undersigned stopped.\n")
    assert "Traceback" not in output
    assert all(not Path(f"/proc/{pid}").exists() for pid in children)


def test_it_stops_cleanly_while_it_sets_up(tmp_path: Path) -> None:
    demo = start_demo(tmp_path, free_port())
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "undersigned.db").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
    finally:
        demo.kill()

    assert demo.returncode == 130
    assert output.endswith("undersigned stopped.\n")
    assert "Traceback" not in output
    assert "is running" not in output


def test_it_says_so_and_fails_when_the_web_server_dies(tmp_path: Path) -> None:
    demo = start_demo(tmp_path, free_port(), WEB_WORKERS="x")  # serve cannot start
    output, _ = demo.communicate(timeout=60)

    assert demo.returncode == 1
    assert output.splitlines()[-1] == "undersigned: the web server exited (code 1)"
    assert "is running" not in output


def test_it_asks_an_organiser_who_signs_up_in_the_demo_to_confirm(tmp_path: Path) -> None:
    port = free_port()
    demo = start_demo(tmp_path, port)
    try:
        wait_until_answering(port, demo)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        signup = f"http://127.0.0.1:{port}/accounts/signup/"
        form = browser.open(signup).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token
        fields = {"email": "newcomer@example.org", "password1": "a long passphrase"}
        fields |= {"password2": fields["password1"], "csrfmiddlewaretoken": token[1]}
        body = urllib.parse.urlencode(fields).encode()
        answer = browser.open(urllib.request.Request(signup, body, {"Referer": signup}))
        outbox = browser.open(f"http://127.0.0.1:{port}/outbox/").read().decode()
    finally:
        demo.terminate()
        demo.communicate(timeout=30)

    assert answer.geturl().endswith("/accounts/confirm-email/")
    assert "newcomer@example.org" in outbox


def start_demo(
    tmp_path: Path, port: int, program: Sequence[str] = ("-m", "undersigned.cli"), **env: str
) -> subprocess.Popen[str]:
    """The demo as a script starts it in the background: with SIGINT ignored."""
    command = [sys.executable, *program, "demo", "--addr", f"127.0.0.1:{port}"]
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the demo
    try:
        return subprocess.Popen(
            command,
            env=environment_for_another_process(tmp_path, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, previous)


def wait_until_answering(port: int, demo: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert demo.poll() is None, "the demo exited before it served"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                assert response.status == 200
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("the demo did not answer within 60 s")


def _children_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]
