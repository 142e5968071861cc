"""`./run`, the script a newcomer starts with."""

import importlib.util
import signal
import subprocess
import sys
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType

import pytest

from tests.processes import environment_for_another_process, free_port
from tests.test_cli import start_demo, wait_until_answering

RUN = Path(__file__).resolve().parent.parent / "run"


def load_run() -> ModuleType:
    loader = SourceFileLoader("run_script", str(RUN))
    spec = importlib.util.spec_from_loader("run_script", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


run = load_run()


def test_it_passes_check_and_its_options_through_to_django() -> None:
    assert run.command(["check", "--deploy"]) == ["undersigned", "check", "--deploy"]


def test_it_passes_pytests_arguments_on() -> None:
    assert run.command(["test", "-q", "tests/test_cli.py"]) == ["pytest", "-q", "tests/test_cli.py"]


def test_it_runs_djangos_deployment_checks_for_run_check_deploy(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, RUN, "check", "--deploy"],
        env=environment_for_another_process(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "(security.W009) Your SECRET_KEY has less than 50 characters" in done.stderr
    assert "ruff" not in done.stdout


def test_it_refuses_arguments_for_lint_instead_of_dropping_them(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, RUN, "lint", "--fix"],
        env=environment_for_another_process(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert done.stderr == "run: lint takes no arguments\n"


def test_it_hands_a_scripts_sigint_to_the_demo(tmp_path: Path) -> None:
    port = free_port()
    demo = start_demo(tmp_path, port, program=[str(RUN)])
    try:
        wait_until_answering(port, demo)
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
    finally:
        demo.kill()

    assert demo.returncode == 0
    assert output.endswith("undersigned stopped.\n")


def fake_uv(tmp_path: Path, in_sync: bool) -> Path:
    """A uv that notes its arguments, and whose `sync --check` finds .venv/ as given."""
    uv = tmp_path / "uv"
    check = "exit 0" if in_sync else "exit 1"
    uv.write_text(
        f'#!/bin/sh\necho "$@" >> {tmp_path}/calls\ncase "$*" in *--check*) {check};; esac\n'
    )
    uv.chmod(0o755)
    return uv


def test_it_says_it_installs_and_prints_a_line_per_step_in_a_log(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    run.sync(str(fake_uv(tmp_path, in_sync=False)))

    assert capfd.readouterr().out == (
        "run: installing the locked dependencies into .venv/ (a minute or so the first time)\n"
    )
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls == ["sync --frozen --check", "sync --frozen --no-progress"]


def test_it_says_nothing_when_everything_is_installed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    run.sync(str(fake_uv(tmp_path, in_sync=True)))

    assert capfd.readouterr().out == ""
    assert (tmp_path / "calls").read_text().splitlines() == ["sync --frozen --check"]
