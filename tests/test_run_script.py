"""`./run`, the script a newcomer starts with."""

import base64
import hashlib
import http.server
import importlib.util
import io
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.processes import environment_for_another_process, free_port
from tests.test_cli import start_demo

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


# The first moments a stop signal can reach `./run demo`: once ./run catches it, and once
# ./run became the demo, which gets it only when it can stop cleanly (./run blocks it).
MOMENTS = {"run catches it": ("SigCgt", "/run"), "demo starts": ("SigBlk", "/undersigned")}


@pytest.mark.parametrize("moment", MOMENTS)
def test_it_stops_the_demo_cleanly_on_a_sigint_as_it_starts(tmp_path: Path, moment: str) -> None:
    demo = start_demo(tmp_path, free_port(), program=[str(RUN)])
    try:
        wait_for_signal_state(demo.pid, *MOMENTS[moment])
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
    finally:
        demo.kill()

    assert demo.returncode == 130
    assert output.splitlines()[-1:] == ["undersigned stopped."]
    assert "Traceback" not in output


def wait_for_signal_state(pid: int, field: str, program: str) -> None:
    """Wait until the process runs the program and /proc shows it catching (SigCgt) or
    blocking (SigBlk) SIGINT."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        mask = next(int(line.split()[1], 16) for line in status if line.startswith(field))
        script = Path(f"/proc/{pid}/cmdline").read_text().split("\0")[1:2]  # none in exec
        if mask & (1 << (signal.SIGINT - 1)) and script and script[0].endswith(program):
            return
        time.sleep(0.001)
    pytest.fail(f"{program} never showed SIGINT in {field}")


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


class Index:
    """A package index on 127.0.0.1 serving fixed pages, noting the requests it answers."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                index.requests.append((self.path, dict(self.headers)))
                content_type, body = index.pages.get(self.path, ("text/plain", b""))
                self.send_response(200 if self.path in index.pages else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def without_pip_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("PIP_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def index(without_pip_variables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Index]:
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    served = Index()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


LINUX_X86 = "manylinux_2_17_x86_64.manylinux2014_x86_64"


def json_page(*files: dict[str, object]) -> tuple[str, bytes]:
    page = {"meta": {"api-version": "1.1"}, "name": "uv", "files": list(files)}
    return ("application/vnd.pypi.simple.v1+json", json.dumps(page).encode())


def a_file(name: str, url: str = "", sha256: str = "0" * 64, **more: object) -> dict[str, object]:
    return {"filename": name, "url": url or f"/files/{name}", "hashes": {"sha256": sha256}, **more}


def files_on(index: Index, simple: str = "/simple/") -> list[Any]:
    index_url, opener = run.index_access({"index-url": index.url + simple})
    return run.index_files(opener, index_url)


def test_it_picks_the_newest_uv_for_the_machine_from_the_json_simple_api(index: Index) -> None:
    index.pages["/simple/uv/"] = json_page(
        a_file(f"uv-0.8.9-py3-none-{LINUX_X86}.whl"),
        a_file(f"uv-0.10.2-py3-none-{LINUX_X86}.whl"),
        a_file("uv-0.10.2-py3-none-musllinux_1_1_x86_64.whl"),
        a_file("uv-0.10.2-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"),
        a_file("uv-0.10.2-py3-none-macosx_11_0_arm64.whl"),
        a_file("uv-0.10.2.tar.gz"),
        a_file(f"uv-0.11.0-py3-none-{LINUX_X86}.whl", yanked="broken build"),
        a_file(f"uv-0.12.0rc1-py3-none-{LINUX_X86}.whl"),
    )
    files = files_on(index)

    on_linux = run.newest_wheel(files, "Linux", "x86_64")
    assert on_linux.url == f"{index.url}/files/uv-0.10.2-py3-none-{LINUX_X86}.whl"
    assert run.newest_wheel(files, "Linux", "aarch64").filename.endswith("_aarch64.whl")
    assert run.newest_wheel(files, "Darwin", "arm64").filename.endswith("macosx_11_0_arm64.whl")
    assert run.newest_wheel(files, "Linux", "riscv64") is None
    accept = index.requests[0][1]["Accept"]
    assert accept.startswith("application/vnd.pypi.simple.v1+json")


def test_it_reads_the_html_links_a_mirror_serves(index: Index) -> None:
    wheel = f"uv-0.10.2-py3-none-{LINUX_X86}.whl"
    newer = f"uv-0.11.0-py3-none-{LINUX_X86}.whl"
    page = f"""<!DOCTYPE html><html><body><h1>Links for uv</h1>
        <a href="../../packages/ab/{wheel}#sha256={"a" * 64}">{wheel}</a><br>
        <a href="../../packages/cd/{newer}#sha256={"b" * 64}" data-yanked="">{newer}</a><br>
    </body></html>"""
    index.pages["/mirror/simple/uv/"] = ("text/html", page.encode())

    found = run.newest_wheel(files_on(index, "/mirror/simple"), "Linux", "x86_64")

    assert found.filename == wheel
    assert found.url == f"{index.url}/mirror/packages/ab/{wheel}"
    assert found.sha256 == "a" * 64


def a_wheel_of_uv(version: str) -> tuple[str, bytes]:
    machine = platform.machine().lower()
    tag = {"Darwin": f"macosx_11_0_{machine}"}.get(platform.system(), f"manylinux_2_17_{machine}")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as wheel:
        wheel.writestr(f"uv-{version}.data/scripts/uv", f"#!/bin/sh\necho uv {version}\n")
    return f"uv-{version}-py3-none-{tag}.whl", archive.getvalue()


def test_it_installs_uv_from_the_index_pip_is_configured_for(
    index: Index,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name, wheel = a_wheel_of_uv("9.9.9")
    index.pages["/private/simple/uv/"] = json_page(a_file(name, sha256=sha256(wheel)))
    index.pages[f"/files/{name}"] = ("application/octet-stream", wheel)
    with_login = index.url.replace("//", "//ci:s3cret@") + "/private/simple/"
    monkeypatch.setattr(run, "pip_config_list", lambda: f"global.index-url='{with_login}'\n")

    uv = run.uv_from_wheel(tmp_path / "uv")

    assert subprocess.run([uv], capture_output=True, text=True).stdout == "uv 9.9.9\n"
    assert capsys.readouterr().out == f"run: fetching uv's wheel from {index.url}/private/simple/\n"
    login = "Basic " + base64.b64encode(b"ci:s3cret").decode()
    assert [headers.get("Authorization") for _, headers in index.requests] == [login, login]


def test_it_refuses_a_wheel_that_does_not_match_its_hash(
    index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, wheel = a_wheel_of_uv("9.9.9")
    index.pages["/simple/uv/"] = json_page(a_file(name, sha256=sha256(b"another wheel")))
    index.pages[f"/files/{name}"] = ("application/octet-stream", wheel)
    monkeypatch.setattr(run, "pip_config_list", lambda: "")
    monkeypatch.setenv("PIP_INDEX_URL", index.url + "/simple/")

    with pytest.raises(SystemExit, match="does not match its published sha256"):
        run.uv_from_wheel(tmp_path / "uv")
    assert not (tmp_path / "uv").exists()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.usefixtures("without_pip_variables")
def test_it_weighs_pips_settings_as_pip_does(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = (
        "global.index-url='https://mirror.example/global/simple'\n"
        "install.index-url='https://mirror.example/install/simple'\n"
        "global.cert='/etc/ssl/company.pem'\n"
    )
    assert run.pip_settings(listing) == {
        "index-url": "https://mirror.example/install/simple",
        "cert": "/etc/ssl/company.pem",
    }
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/env/simple")
    assert run.pip_settings(listing)["index-url"] == "https://mirror.example/env/simple"


def test_it_falls_back_to_pypi_when_pip_names_no_index() -> None:
    assert run.index_access({})[0] == "https://pypi.org/simple/"
