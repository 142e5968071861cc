"""A worker killed with SIGKILL in the middle of sending an update to 2,000 recipients,
and started again: the relay then holds exactly one copy for each of them.

The kill lands while the relay holds the worker on one recipient's RCPT, before the
message's DATA: the one moment a copy could go out twice (after the relay accepted, before
the worker recorded it) is covered by the same Message-ID, see updates/sending.py.
"""

import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.mail.conftest import Relay, start_worker
from tests.processes import logs, stop, wait_for, wait_for_other_sessions_to_end
from undersigned.letters.models import Letter
from undersigned.signing.signatures import Confirmed, SignatureInput, signatures_add_confirmed
from undersigned.updates.models import RecipientStatus, Update, UpdateRecipient, UpdateStatus
from undersigned.updates.publishing import update_send

pytestmark = pytest.mark.django_db(transaction=True)

RECIPIENTS = 2000
STALLED = "signer1200@example.org"
ENVIRONMENT = {"TASK_LEASE_SECONDS": "3", "UPDATE_SEND_RATE": "0", "UPDATE_SENDERS": "2"}


def test_a_killed_worker_sends_nobody_the_update_twice_and_skips_nobody(
    petition: Letter, relay: Relay, settings: Any, tmp_path: Path
) -> None:
    petition.goal = None  # no milestone email at the relay beside the update
    petition.save()
    now = timezone.now()
    signatures_add_confirmed(
        letter=petition,
        confirmed=[
            Confirmed(
                data=SignatureInput(
                    name=f"Signer {n}",
                    email=f"signer{n}@example.org",
                    display="full",
                    consent_updates=True,
                ),
                at=now,
            )
            for n in range(RECIPIENTS)
        ],
    )
    update = Update.objects.create(letter=petition, subject="News", body="The board met.")
    with transaction.atomic():
        update_send(update)
    relay.stall_rcpt = STALLED

    first = start_worker("first", tmp_path, relay, settings, **ENVIRONMENT)
    second = None
    try:
        wait_for(lambda: relay.stalled, [first], tmp_path, timeout=120)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        sent_before = len(relay.deliveries)
        assert 0 < sent_before < RECIPIENTS
        held = UpdateRecipient.objects.filter(status=RecipientStatus.SENDING)
        assert held.exists()  # the dead worker's claims, waiting for their lease to lapse

        relay.stall_rcpt = ""
        second = start_worker("second", tmp_path, relay, settings, **ENVIRONMENT)
        finished = Update.objects.filter(pk=update.pk, status=UpdateStatus.SENT)
        wait_for(finished.exists, [second], tmp_path, timeout=180)
    finally:
        stop([worker for worker in (first, second) if worker is not None])
        wait_for_other_sessions_to_end()

    copies = Counter(address for d in relay.deliveries for address in d.rcpt_tos)
    expected = {f"signer{n}@example.org" for n in range(RECIPIENTS)}
    assert set(copies) == expected, logs(tmp_path)
    assert max(copies.values()) == 1, [a for a, n in copies.items() if n > 1]
    assert len(relay.deliveries) == RECIPIENTS
    statuses = Counter(UpdateRecipient.objects.values_list("status", flat=True))
    assert statuses == {RecipientStatus.SENT: RECIPIENTS}
