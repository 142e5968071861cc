"""A killed worker loses no email: the work it claimed and did not finish is taken up again
once its lease runs out, and what it had sent is not sent again.

One copy may go out twice: the message the relay took in full just as the worker died,
before the worker could note it. That copy carries the same Message-ID, so a mail client
shows it once.
"""

import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.mail.conftest import Relay, start_worker
from tests.processes import (
    logs,
    stop,
    wait_for,
    wait_for_other_sessions_to_end,
)
from undersigned.letters.models import Letter
from undersigned.mail.models import SentMessage
from undersigned.signing.signatures import SignatureInput, signature_create
from undersigned.signing.tasks import send_confirmation

# The workers are real processes that must see the rows this test commits.
pytestmark = pytest.mark.django_db(transaction=True)

SIGNERS = 20
LEASE_SECONDS = 2
LEASE = {"TASK_LEASE_SECONDS": str(LEASE_SECONDS)}
UNFINISHED = [TaskResultStatus.READY, TaskResultStatus.RUNNING]


def test_it_loses_no_confirmation_when_a_worker_is_killed_mid_send(
    petition: Letter, relay: Relay, settings: Any, tmp_path: Path
) -> None:
    relay.delay = 0.5  # each message takes a while at the relay: the kill lands mid-send
    first = start_worker("first", tmp_path, relay, settings, **LEASE)
    second = None
    try:
        wait_for(lambda: "Starting worker" in logs(tmp_path), [first], tmp_path)
        with transaction.atomic():
            signatures = [
                signature_create(
                    letter=petition,
                    data=SignatureInput(
                        name=f"Signer {number}",
                        email=f"signer{number}@example.org",
                        display="full",
                        consent_updates=False,
                    ),
                )
                for number in range(SIGNERS)
            ]
        queued = DBTaskResult.objects.filter(task_path=send_confirmation.module_path)

        wait_for(lambda: relay.deliveries and relay.receiving, [first], tmp_path)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()

        running = list(queued.filter(status=TaskResultStatus.RUNNING))
        assert len(running) == 1, f"no task left mid-send by the kill:\n{logs(tmp_path)}"
        [stuck] = running
        assert stuck.worker_ids == ["first"]
        [stuck_id] = stuck.args_kwargs["args"]
        held = SentMessage.objects.get(key=f"proof:{stuck_id}")
        assert held.claimed_until is not None
        assert held.sent_at is None  # whatever the relay did, the record does not know

        second = start_worker("second", tmp_path, relay, settings, **LEASE)
        wait_for(lambda: not queued.filter(status__in=UNFINISHED).exists(), [second], tmp_path)
    finally:
        stop([worker for worker in (first, second) if worker is not None])
        wait_for_other_sessions_to_end()

    statuses = set(queued.values_list("status", flat=True))
    assert statuses == {TaskResultStatus.SUCCESSFUL}, logs(tmp_path)
    stuck.refresh_from_db()
    assert stuck.worker_ids == ["first", "second"], logs(tmp_path)

    received = Counter(rcpt for d in relay.deliveries for rcpt in d.rcpt_tos)
    assert set(received) == {signature.email for signature in signatures}, logs(tmp_path)
    # Once each, but for the message the relay had in full when the worker died.
    stuck_address = next(s.email for s in signatures if s.pk == stuck_id)
    twice = {address: count for address, count in received.items() if count > 1}
    assert twice in ({}, {stuck_address: 2}), (twice, logs(tmp_path))
    copies = [d.message["Message-ID"] for d in relay.deliveries if d.rcpt_tos == [stuck_address]]
    assert len(set(copies)) == 1, copies
