"""A real mail relay on loopback, and helpers for tests that start other processes."""

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.processes import free_port


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
