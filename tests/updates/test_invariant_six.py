"""DESIGN.md invariant 6: every message to a signer after confirmation goes only to those
who consented, and carries a working one-click unsubscribe (RFC 8058)."""

import re
from typing import Any
from urllib.parse import urlsplit

from django.test import Client

from tests.conftest import run_tasks
from tests.mail.conftest import Relay, use_relay
from tests.updates.conftest import draft, signer
from undersigned.letters.models import Letter
from undersigned.signing.recipients import Purpose, recipient
from undersigned.updates.publishing import update_send


def test_updates_reach_only_consenting_signers_and_each_unsubscribes_in_one_click(
    petition: Letter, workers_letter: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    consenting = {
        "ada@example.org": signer(petition, "ada@example.org"),
        "bo@example.org": signer(petition, "bo@example.org", display="anonymous"),
        "cy@home.example": signer(
            workers_letter,
            "cy@northwind.example",
            display="initials",
            name="Cy Young",
            contact_email="cy@home.example",
        ),
    }
    signer(petition, "di@example.org", consent=False)
    signer(petition, "ed@example.org", confirm=False)
    signer(workers_letter, "fa@northwind.example", consent=False, display="initials", name="F")
    relay.deliveries.clear()

    for letter in (petition, workers_letter):
        update_send(draft(letter, subject=f"News of {letter.slug}"))
    run_tasks()

    updates = [d for d in relay.deliveries if d.message["Subject"].startswith("News of")]
    assert sorted(a for d in updates for a in d.rcpt_tos) == sorted(consenting)
    for delivery in updates:
        message = delivery.message
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        match = re.fullmatch(r"<(https?://[^>]+)>", message["List-Unsubscribe"].strip())
        assert match, message["List-Unsubscribe"]
        answer = Client(enforce_csrf_checks=True).post(
            urlsplit(match.group(1)).path, {"List-Unsubscribe": "One-Click"}
        )
        assert answer.status_code == 200
        [address] = delivery.rcpt_tos
        signature = consenting[address]
        signature.refresh_from_db()
        assert recipient(signature, Purpose.UPDATE) == ""  # the click took effect
