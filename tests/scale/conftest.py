"""Real `undersigned` web servers and workers on one database, and how to talk to them."""

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.mail.conftest import Relay, relay  # noqa: F401  # the fixture, for this folder
from tests.processes import environment_for_another_process, free_port, stop

# Letters to sign, made by the domain functions in a process on the database under test,
# after its migrations: prints each letter's slug and the hash of its text (the form's
# "version" field).
SEED = """
import json, os, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from undersigned.accounts.models import User
from undersigned.letters.models import Letter, Target
from undersigned.letters.publishing import letter_publish
from undersigned.organisations.memberships import organisation_create
owner = User.objects.create_user("olu@campaign.example", "a long organiser password")
organisation = organisation_create(name="Open Streets Alliance", owner=owner)
letters = {}
for slug in sys.argv[1:]:
    letter = Letter.objects.create(
        organisation=organisation, slug=slug, title=f"Drop the contract ({slug})",
        body="We ask **Northwind** to drop the contract.",
    )
    Target.objects.create(letter=letter, name="Dana Whitfield", organisation="Northwind")
    letter_publish(letter=letter)
    letter.refresh_from_db()
    letters[slug] = letter.text_hash()
print(json.dumps(letters))
"""


def seed(environment: dict[str, str], slugs: list[str]) -> dict[str, str]:
    """Migrate the database of `environment` and publish a letter for each slug; returns
    each slug's text hash."""
    done = subprocess.run(
        [sys.executable, "-c", SEED, *slugs],
        env={**environment, "DJANGO_SETTINGS_MODULE": "undersigned.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@dataclass
class Server:
    """One `undersigned serve` process, as a browser on its own pages would talk to it."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Origin": self.origin}
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def sign(self, slug: str, version: str, email: str) -> int:
        form = {"name": "Sam Signer", "email": email, "display": "full", "version": version}
        return self.request("POST", f"/letters/{slug}/sign/", form)[0]

    def count(self, slug: str) -> int:
        status, body = self.request("GET", f"/letters/{slug}/count.json")
        assert status == 200, body
        return int(json.loads(body)["total_signatures"])


@dataclass
class Processes:
    """Everything a test started, stopped at its end whatever happened."""

    tmp_path: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(
        self, name: str, argv: list[str], environment: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        with (self.tmp_path / f"worker-{name}.log").open("wb") as log:  # see tests.processes.logs
            process = subprocess.Popen(
                [sys.executable, "-m", "undersigned.cli", *argv],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # stopped with the server's own processes
            )
        self.started.append(process)
        return process

    def serve(self, name: str, environment: dict[str, str]) -> Server:
        port = free_port()
        argv = ["serve", "--addr", f"127.0.0.1:{port}", "--workers", "1"]
        return Server(port, self.start(name, argv, environment))

    def stop(self) -> None:
        stop(self.started)
        for process in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # a server's own processes, if any remain


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop()


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    """An operator's environment for these processes: PYTEST_VERSION dropped, so that they
    share the data directory's cache as production processes do, not one each."""
    env = environment_for_another_process(
        tmp_path, SIGNATURE_RATE_LIMIT="1000/h", SECRET_KEY="scale-out", **values
    )
    env.pop("PYTEST_VERSION", None)
    return env


def wait_until_serving(servers: list[Server], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(servers)
    while waiting:
        server = waiting[0]
        if server.process.poll() is not None:
            pytest.fail(f"the server on port {server.port} exited ({server.process.returncode})")
        try:
            server.request("GET", "/")
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"the server on port {server.port} did not answer in {timeout:g} s")
            time.sleep(0.1)
        else:
            waiting.pop(0)


def confirmation_path(link: str) -> str:
    match = re.search(r"/confirm/\S+/", link)
    assert match, link
    return match.group(0)
