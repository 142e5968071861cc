"""Several `undersigned worker` processes share one queue: every email goes out exactly once."""

import subprocess
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
from undersigned.signing.signatures import SignatureInput, signature_create
from undersigned.signing.tasks import send_confirmation

# The workers are real processes that must see the rows this test commits.
pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 3
SIGNERS = 40
UNFINISHED = [TaskResultStatus.READY, TaskResultStatus.RUNNING]


def start_workers(tmp_path: Path, relay: Relay, settings: Any) -> list[subprocess.Popen[bytes]]:
    return [start_worker(f"{n}", tmp_path, relay, settings) for n in range(WORKERS)]


def test_it_sends_each_confirmation_exactly_once_with_three_workers(
    petition: Letter, relay: Relay, settings: Any, tmp_path: Path
) -> None:
    relay.delay = 0.05  # a relay slow enough that every worker gets a share
    workers = start_workers(tmp_path, relay, settings)
    try:
        wait_for(lambda: logs(tmp_path).count("Starting worker") == WORKERS, workers, tmp_path)
        with transaction.atomic():  # the whole batch becomes visible to the workers at once
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
        # Only the emails: a worker may also keep its own housekeeping waiting in the queue.
        queued = DBTaskResult.objects.filter(task_path=send_confirmation.module_path)
        wait_for(lambda: not queued.filter(status__in=UNFINISHED).exists(), workers, tmp_path)
    finally:
        stop(workers)

    assert queued.count() == SIGNERS
    assert set(queued.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
    recipients = Counter(rcpt for d in relay.deliveries for rcpt in d.rcpt_tos)
    assert recipients == Counter(signature.email for signature in signatures)
    assert max(recipients.values()) == 1
    signed_by = {signature.email: signature.pk for signature in signatures}
    for delivery in relay.deliveries:
        assert delivery.confirmation_link()[1] == signed_by[delivery.rcpt_tos[0]]
    # Otherwise one worker did everything and nothing was shared.
    claimed_by = {
        worker_id for ids in queued.values_list("worker_ids", flat=True) for worker_id in ids
    }
    assert len(claimed_by) >= 2, claimed_by
    wait_for_other_sessions_to_end()
