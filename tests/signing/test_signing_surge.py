"""A surge of signers against a real `undersigned serve`, its threads' signatures written
through group commit: every acknowledged signature is stored, with its one confirmation
email queued, and a second attempt with a known address changes nothing but a reminder.

The server runs on an SQLite database of its own in the test's data directory, whatever
database the suite runs on; the test reads that file with sqlite3.
"""

import contextlib
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.processes import environment_for_another_process, free_port

THREADS = 32
SIGNATURES_PER_THREAD = 10

# Migrate the server's database and publish one letter asking for a country, as an
# organiser would; prints its slug and its id.
SEED = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from undersigned.accounts.models import User
from undersigned.letters.models import FieldRule, Letter, Target
from undersigned.letters.publishing import letter_publish
from undersigned.organisations.memberships import organisation_create
owner = User.objects.create_user("olu@campaign.example", "a long organiser password")
organisation = organisation_create(name="Open Streets Alliance", owner=owner)
letter = Letter.objects.create(
    organisation=organisation, slug="surge", title="Drop the camera contract",
    body="We ask **Northwind** to drop the contract.", ask_country=FieldRule.OPTIONAL,
)
Target.objects.create(letter=letter, name="Dana Whitfield", organisation="Northwind")
letter_publish(letter=letter)
print(json.dumps({"slug": letter.slug, "id": letter.pk}))
"""


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    database: Path
    log: Path
    slug: str
    letter_id: int

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sign(self, email: str) -> tuple[int, str | None]:
        """Post the sign form as the page's own form does; the status and Location."""
        form = {
            "name": "Surge Signer",
            "email": email,
            "display": "full",
            "country": "United Kingdom",
        }
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                "POST",
                f"/letters/{self.slug}/sign/",
                body=urlencode(form),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                },
            )
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("Location")
        finally:
            connection.close()

    def rows(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        """Rows of the server's database, read on a connection of the test's own."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=20)) as database:
            return database.execute(sql, params).fetchall()


def wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited before it served:\n{server.log.read_text()}")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            connection.request("GET", f"/letters/{server.slug}/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    pytest.fail(f"the server did not answer within 30 s:\n{server.log.read_text()}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """`undersigned serve` with two web processes of eight threads, on SQLite in tmp_path."""
    port = free_port()
    env = environment_for_another_process(
        tmp_path,
        BASE_URL=f"http://127.0.0.1:{port}",
        SIGNATURE_RATE_LIMIT="100000/h",
    )
    seeded = subprocess.run(
        [sys.executable, "-c", SEED],
        env={**env, "DJANGO_SETTINGS_MODULE": "undersigned.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    letter = json.loads(seeded.stdout.strip().splitlines()[-1])
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "undersigned.cli",
                "serve",
                "--addr",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "8",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(
        port, process, tmp_path / "undersigned.db", log, letter["slug"], int(letter["id"])
    )
    try:
        wait_until_serving(server)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def surge(server: Server) -> dict[str, tuple[int, str | None]]:
    """Every address's answer, from THREADS threads signing at once."""
    start = threading.Barrier(THREADS)
    answers: dict[str, tuple[int, str | None]] = {}
    failures: list[BaseException] = []

    def signer(thread: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(SIGNATURES_PER_THREAD):
                email = f"surge-{thread}-{n}@example.org"
                answers[email] = server.sign(email)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=signer, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return answers


def signatures(server: Server) -> dict[str, int]:
    rows = server.rows(
        "SELECT email, id FROM signing_signature WHERE letter_id = ?", server.letter_id
    )
    return {str(email): int(str(pk)) for email, pk in rows}


def tasks(server: Server) -> list[tuple[str, list[object]]]:
    rows = server.rows("SELECT task_path, args_kwargs FROM django_tasks_database_dbtaskresult")
    return [(str(path), json.loads(str(args))["args"]) for path, args in rows]


def confirmations_by_signature(server: Server) -> dict[int, int]:
    queued: dict[int, int] = {}
    for path, args in tasks(server):
        if path.endswith(".send_confirmation"):
            signature_id = int(str(args[0]))
            queued[signature_id] = queued.get(signature_id, 0) + 1
    return queued


def test_every_acknowledged_signature_of_a_surge_is_stored_with_one_confirmation_queued(
    server: Server,
) -> None:
    answers = surge(server)

    signed_page = f"/letters/{server.slug}/signed/"
    assert len(answers) == THREADS * SIGNATURES_PER_THREAD
    refused = {email: answer for email, answer in answers.items() if answer != (302, signed_page)}
    assert not refused, (refused, server.log.read_text())
    acknowledged = set(answers)
    stored = signatures(server)
    assert set(stored) == acknowledged
    queued = confirmations_by_signature(server)
    assert queued == dict.fromkeys(stored.values(), 1)
    assert len(tasks(server)) == len(acknowledged)

    again = server.sign("surge-7-3@example.org")

    assert again == (302, signed_page)
    assert signatures(server) == stored
    assert confirmations_by_signature(server) == queued
    new_tasks = [task for task in tasks(server) if not task[0].endswith(".send_confirmation")]
    assert new_tasks == [
        ("undersigned.signing.tasks.send_reminder", [stored["surge-7-3@example.org"], 1])
    ]
