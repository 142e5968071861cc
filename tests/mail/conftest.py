"""A real mail relay on loopback, and helpers for tests that start other processes."""

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

# Settings another process must not inherit from the shell running the tests.
INFRASTRUCTURE = ("DATABASE_URL", "CACHE_URL", "REDIS_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Delivery:
    """One message as the relay received it: the SMTP envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part in {self.message}"
        return str(body.get_content())  # type: ignore[attr-defined]

    def confirmation_link(self) -> tuple[str, int | None]:
        """The confirmation link in the text part, and the signature its token stands for."""
        from undersigned.signing.tokens import signature_id_from_confirmation_token

        match = re.search(r"(\S+/confirm/)(\S+)/", self.part("plain"))
        assert match, self.part("plain")
        return match.group(0), signature_id_from_confirmation_token(match.group(2))


@dataclass
class Relay:
    """An SMTP server that keeps every message it accepts, optionally slow to answer."""

    host: str = "127.0.0.1"
    port: int = 0
    delay: float = 0.0
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.deliveries.append(Delivery(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def relay() -> Iterator[Relay]:
    relay = Relay(port=free_port())
    controller = Controller(
        relay, hostname=relay.host, port=relay.port, server_hostname="relay.test"
    )
    controller.start()
    try:
        yield relay
    finally:
        controller.stop()


def environment_for_another_process(tmp_path: Path, **values: str) -> dict[str, str]:
    """The environment of an `undersigned` process started by a test, as an operator sets it."""
    env = {key: value for key, value in os.environ.items() if key not in INFRASTRUCTURE}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return {**env, "UNDERSIGNED_DATA_DIR": str(tmp_path), "SECRET_KEY": "another-process", **values}


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
