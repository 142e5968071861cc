"""Shared helpers of the privacy tests: asking for one's data through the real page and
the real worker, and reading the link out of the mail the relay received."""

import re
from typing import Any

import pytest
from django.test import Client

from tests.conftest import ORIGIN, run_tasks
from tests.mail.conftest import Relay, relay, use_relay  # noqa: F401  (the fixture, here too)


@pytest.fixture
def mail_relay(relay: Relay, settings: Any) -> Relay:  # noqa: F811
    use_relay(settings, relay)
    return relay


def ask_for_data(address: str, client: Client | None = None) -> Any:
    """Send the "my data" form as a browser on our page would, then run the worker."""
    page = (client or Client()).post("/my-data/", {"email": address}, HTTP_ORIGIN=ORIGIN)
    run_tasks()
    return page


def data_path_in(text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/my-data/[^/\s]+/)", text)
    assert match, text
    return match.group(1)
