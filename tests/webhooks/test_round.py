"""The worker's round: started once however many workers start, it folds what settled,
sends it, comes back every few seconds, and forgets the log after 30 days."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import run_tasks, signed_and_confirmed
from tests.webhooks.conftest import Receiver
from undersigned.letters.models import Letter
from undersigned.signing.models import SignatureEvent
from undersigned.webhooks.endpoints import endpoint_test
from undersigned.webhooks.folding import (
    LOG_KEPT,
    ROUND_EVERY,
    SETTLE,
    deliveries_forget,
    webhooks_round,
    webhooks_schedule,
)
from undersigned.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint


def test_the_round_sends_what_settled_and_comes_back(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter, settings: Any
) -> None:
    settings.RECURRING_TASK_BACKEND = "default"  # the database queue this test reads
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    SignatureEvent.objects.update(created_at=timezone.now() - SETTLE - timedelta(seconds=1))
    webhooks_schedule()
    webhooks_schedule()  # a second worker starting
    run_tasks()  # the round, then the delivery it queued

    [request] = receiver.received
    assert request.json["type"] == "signature.confirmed"
    [next_round] = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=webhooks_round.module_path
    )
    assert next_round.run_after is not None
    assert next_round.run_after <= timezone.now() + ROUND_EVERY


def test_the_log_is_forgotten_after_30_days_but_not_what_waits(
    endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    sent = endpoint_test(endpoint=endpoint)
    run_tasks()
    receiver.answers = [500]
    waiting = endpoint_test(endpoint=endpoint)
    run_tasks()
    recent = endpoint_test(endpoint=endpoint)
    run_tasks()
    old = timezone.now() - LOG_KEPT - timedelta(minutes=1)
    WebhookDelivery.objects.filter(pk__in=[sent.pk, waiting.pk]).update(created_at=old)

    assert deliveries_forget(before=timezone.now() - LOG_KEPT) == 1
    assert set(WebhookDelivery.objects.values_list("pk", "state")) == {
        (waiting.pk, DeliveryState.WAITING),
        (recent.pk, DeliveryState.DELIVERED),
    }
