import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.processes import environment_for_another_process


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


def test_it_stops_the_demos_server_and_worker_on_sigterm(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo = subprocess.Popen(
        [sys.executable, "-m", "undersigned.cli", "demo", "--addr", f"127.0.0.1:{port}"],
        env=environment_for_another_process(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert demo.stdout is not None
    try:
        for line in demo.stdout:
            if "undersigned is running at" in line:
                break
        children = _children_of(demo.pid)
        assert len(children) == 2
        demo.send_signal(signal.SIGTERM)
        output, _ = demo.communicate(timeout=30)
    finally:
        demo.kill()
    assert "undersigned stopped." in output
    assert all(not Path(f"/proc/{pid}").exists() for pid in children)


def _children_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]
