"""Logs never hold an address, a name or a token: every record of a whole signing story
at DEBUG, as the configured handler prints it, and the web server's access lines."""

import http.client
import logging
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.conftest import ORIGIN, sign
from tests.processes import environment_for_another_process, free_port, stop
from undersigned.letters.models import Letter
from undersigned.lib.email_address import email_key
from undersigned.lib.log_filter import Redact, redact
from undersigned.signing.models import Signature
from undersigned.signing.tokens import confirmation_token, data_request_token, manage_token

NAME = "Zebulon Quartermaine"
ADDRESS = "zebulon.q@example.org"


def _redacting_handler() -> logging.Handler:
    """The root handler settings.LOGGING installs, with the filter on it."""
    [handler] = [
        h for h in logging.getLogger().handlers if any(isinstance(f, Redact) for f in h.filters)
    ]
    return handler


def _printed(records: list[logging.LogRecord]) -> list[str]:
    """Each record as that handler prints it: its filters first, then its formatter."""
    handler = _redacting_handler()
    return [handler.format(record) for record in records if handler.filter(record)]


def _tokens_in(messages: list[mail.EmailMessage]) -> set[str]:
    found = set()
    for message in messages:
        found |= set(re.findall(r"/(?:confirm|signature|my-data)/([^/\s]+)/", str(message.body)))
    return found


def _run_tasks_at_debug() -> None:
    """tests.conftest.run_tasks, its worker logging everything it does."""
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=3)


def test_a_whole_signing_story_at_debug_logs_no_address_name_or_token(
    petition: Letter, caplog: pytest.LogCaptureFixture
) -> None:
    connection.force_debug_cursor = True  # the SQL Django logs at DEBUG, values and all
    for name in ("", "django", "django_tasks", "django_tasks_db"):
        caplog.set_level(logging.DEBUG, logger=name)
    try:
        assert sign(Client(), petition, name=NAME, email=ADDRESS).status_code == 302
        _run_tasks_at_debug()
        signature = Signature.objects.get(email_key=email_key(ADDRESS))
        confirm = f"/confirm/{confirmation_token(signature.pk)}/"
        assert Client().get(confirm).status_code == 200
        assert Client().post(confirm, HTTP_ORIGIN=ORIGIN).status_code == 200
        manage_page = f"/signature/{manage_token(signature.pk, requested=True)}/"
        assert (
            Client()
            .post(f"/letters/{petition.slug}/manage/", {"email": ADDRESS}, HTTP_ORIGIN=ORIGIN)
            .status_code
            == 200
        )
        assert Client().post("/my-data/", {"email": ADDRESS}, HTTP_ORIGIN=ORIGIN).status_code == 200
        _run_tasks_at_debug()
        data = "/my-data/" + data_request_token(email_key(ADDRESS), [signature.pk]) + "/"
        assert Client().get(data).status_code == 200
        assert Client().get(data + "data.json").status_code == 200
        assert Client().get(manage_page).status_code == 200
        assert Client().post(manage_page, HTTP_ORIGIN=ORIGIN).status_code == 200
        assert Client().get(manage_page).status_code == 404  # withdrawn: Django logs "Not Found"
        assert Client().get(confirm + "x/").status_code == 404
    finally:
        connection.force_debug_cursor = False
    tokens = _tokens_in(mail.outbox) | {
        confirm.split("/")[2],
        manage_page.split("/")[2],
        data.split("/")[2],
    }
    assert len(mail.outbox) >= 3 and len(tokens) >= 4
    records = caplog.records
    assert len(records) > 50
    assert any("Not Found" in r.getMessage() and "/signature/" in r.getMessage() for r in records)
    assert any(r.name == "django.db.backends" for r in records)
    printed = "\n".join(_printed(records))
    for secret in (ADDRESS, NAME, "Zebulon", "Quartermaine", email_key(ADDRESS), *tokens):
        assert secret.casefold() not in printed.casefold(), secret
    assert "Not Found: /signature/[redacted]/" in printed


@pytest.mark.parametrize(
    ("line", "printed"),
    [
        ("Sent to suzie@example.org.", "Sent to [redacted]."),
        (
            "550 5.1.1 <Suzie.Q+x@Mail.Example.org>: no such user",
            "550 5.1.1 <[redacted]>: no such user",
        ),
        (
            "GET /letters/x/?email=suzie%40example.org HTTP/1.1",
            "GET /letters/x/?email=[redacted] HTTP/1.1",
        ),
        ("Not Found: /confirm/MQ:1xYkmN:AUrD7w/", "Not Found: /confirm/[redacted]/"),
        ("GET /unsubscribe/abc/ 200", "GET /unsubscribe/[redacted]/ 200"),
        ("GET /my-data/.eJy:1x:abc/data.json 200", "GET /my-data/[redacted]/data.json 200"),
        (
            "GET /accounts/confirm-email/MTI:1x:abc/ 200",
            "GET /accounts/confirm-email/[redacted]/ 200",
        ),
        (
            "token WzUsImMiXQ:1xYkmN:4CC-pnpkFpAnJuYN9iUA7JuRoDq0Rd-3_eBPQcxbFdw in text",
            "token [redacted] in text",
        ),
        (
            "Authorization: Bearer usg_Xk3-vQ9_aZ0pL2mN8bC4dE6fG7hJ1kL5nP0qR3sT9uV",
            "Authorization: Bearer [redacted]",
        ),
        (
            "GET /letters/drop-the-contract/ 200 12:01:33",
            "GET /letters/drop-the-contract/ 200 12:01:33",
        ),
        (
            "Took up 3 task(s) a stopped worker left unfinished.",
            "Took up 3 task(s) a stopped worker left unfinished.",
        ),
    ],
)
def test_it_redacts_addresses_and_tokens_and_nothing_else(line: str, printed: str) -> None:
    assert redact(line) == printed


def test_it_redacts_a_traceback_and_the_sql_of_a_query() -> None:
    try:
        raise ValueError("no mailbox suzie@example.org")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed for %s", ("pat@example.org",), sys.exc_info()
        )
    assert Redact().filter(record)
    text = logging.Formatter().format(record)
    assert "@example.org" not in text and "ValueError" in text
    sql = 'INSERT INTO "signing_signature" ("name") VALUES (\'Zebulon Quartermaine\')'
    query = logging.LogRecord(
        "django.db.backends",
        logging.DEBUG,
        __file__,
        1,
        "(%.3f) %s; args=%s; alias=%s",
        (0.001, sql, ("Zebulon",), "default"),
        None,
    )
    query.sql, query.params, query.duration, query.alias = sql, ("Zebulon",), 0.001, "default"
    Redact().filter(query)
    assert (
        query.getMessage()
        == '(0.001) INSERT INTO "signing_signature" ("name") [redacted]; alias=default'
    )


def _serve(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    migrated = subprocess.run(
        [sys.executable, "-m", "undersigned.cli", "migrate", "--no-input"],
        env=environment_for_another_process(tmp_path),
        capture_output=True,
        timeout=180,
    )
    assert migrated.returncode == 0, migrated.stderr
    env = environment_for_another_process(tmp_path, ACCESS_LOG="1", LOG_LEVEL="DEBUG")
    with (tmp_path / "serve.log").open("wb") as log:
        return subprocess.Popen(
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
        )


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_the_web_server_s_access_log_holds_no_token(tmp_path: Path, settings: Any) -> None:
    port = free_port()
    server = _serve(tmp_path, port)
    token = "MTIz:1xYkmN:AUrD7w_V2OMcjBDhxtpX9OQUy7_7jrXi3Malewa9OvQ"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                _get(port, "/")
                break
            except OSError:
                assert time.monotonic() < deadline, "undersigned serve did not answer"
                time.sleep(0.2)
        assert _get(port, f"/confirm/{token}/") == 404
        assert _get(port, f"/my-data/{token}/data.json?email=suzie%40example.org") == 404
        assert _get(port, "/letters/no-such-letter/") == 404
        time.sleep(0.5)
    finally:
        stop([server])
    output = (tmp_path / "serve.log").read_text()
    assert '"GET /confirm/[redacted]/ HTTP/1.1" 404' in output, output
    assert '"GET /my-data/[redacted]/data.json HTTP/1.1" 404' in output, output
    assert '"GET /letters/no-such-letter/ HTTP/1.1" 404' in output, output
    assert token not in output and "MTIz" not in output
    assert "suzie" not in output
