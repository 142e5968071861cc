"""A real mail relay on loopback, and helpers for tests that start other processes."""

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.processes import (
    database_url_of_test_database,
    environment_for_another_process,
    free_port,
)


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
    """An SMTP server that keeps every message it accepts, optionally slow to answer, and
    refusing some recipients for good or every one for now."""

    host: str = "127.0.0.1"
    port: int = 0
    delay: float = 0.0
    deliveries: list[Delivery] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # no such user: 550
    busy: bool = False  # every recipient answered 451, as a greylisting relay does
    connections: int = 0
    receiving: int = 0  # messages whose DATA the relay has and has not answered yet
    # A recipient whose RCPT the relay holds unanswered, before any DATA, until cleared.
    stall_rcpt: str = ""
    stalled: bool = False  # whether a client now waits on that RCPT

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.connections += 1
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        while address == self.stall_rcpt:
            self.stalled = True
            await asyncio.sleep(0.02)
        if self.busy:
            return "451 4.3.0 Try again later"
        if address in self.refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Once it has the whole message a relay keeps it, whether or not the client stays
        # to hear the answer; a client killed meanwhile will send it again.
        await asyncio.shield(self._accept(envelope))
        return "250 Message accepted for delivery"

    async def _accept(self, envelope: Any) -> None:
        self.receiving += 1
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            message = message_from_bytes(envelope.original_content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.deliveries.append(Delivery(envelope.mail_from, list(envelope.rcpt_tos), message))
        finally:
            self.receiving -= 1


def use_relay(settings: Any, relay: Relay) -> None:
    """Send this test's mail through the relay, as an operator's EMAIL_URL would."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = relay.host
    settings.EMAIL_PORT = relay.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


@contextmanager
def serving(relay: Relay) -> Iterator[Relay]:
    """The relay listening on its port until the block ends; a test may stop it and start
    it again on the same port."""
    controller = Controller(
        relay, hostname=relay.host, port=relay.port, server_hostname="relay.test"
    )
    controller.start()
    try:
        yield relay
    finally:
        controller.stop()


@pytest.fixture
def relay() -> Iterator[Relay]:
    with serving(Relay(port=free_port())) as relay:
        yield relay


def start_worker(
    name: str, tmp_path: Path, relay: Relay, settings: Any, **environment: str
) -> subprocess.Popen[bytes]:
    """A real `undersigned worker` on the test database, mailing through the relay, its
    output in tmp_path/worker-<name>.log (see tests.processes.logs)."""
    env = environment_for_another_process(
        tmp_path,
        DATABASE_URL=database_url_of_test_database(),
        EMAIL_URL=relay.url,
        BASE_URL=settings.BASE_URL,
        SECRET_KEY=settings.SECRET_KEY,  # so their links are valid here
        **environment,
    )
    with (tmp_path / f"worker-{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "undersigned.cli", "worker", "--worker-id", name],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
