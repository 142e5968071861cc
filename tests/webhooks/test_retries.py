"""A delivery the receiver did not take is tried again from the task queue, each wait
three times the one before, until it is taken or eight tries failed; a try run twice
sends once."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import run_tasks
from tests.processes import free_port
from tests.webhooks.conftest import Receiver, signature_valid
from undersigned.webhooks.endpoints import endpoint_test
from undersigned.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from undersigned.webhooks.sending import ATTEMPTS, delivery_attempt, send_webhook, wait_after


def retries() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(
            task_path=send_webhook.module_path, status=TaskResultStatus.READY
        )
    )


def make_due(delivery: WebhookDelivery) -> None:
    """Let the wait pass: the delivery and its queued try are due now."""
    past = timezone.now() - timedelta(seconds=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=past)
    DBTaskResult.objects.filter(task_path=send_webhook.module_path).update(run_after=past)


def test_the_waits_grow_threefold_and_end_within_a_day() -> None:
    waits = [wait_after(attempt) for attempt in range(1, ATTEMPTS)]
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=3), timedelta(minutes=9)]
    assert timedelta(hours=12) < sum(waits, timedelta()) < timedelta(hours=24)


def test_it_sends_again_after_a_500_and_records_the_success(
    endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    receiver.answers = [500]
    delivery = endpoint_test(endpoint=endpoint)
    run_tasks()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.WAITING
    assert (delivery.attempts, delivery.last_status) == (1, 500)
    assert "the CRM is down for maintenance" in delivery.last_error
    assert delivery.next_attempt_at is not None
    expected = timezone.now() + timedelta(minutes=1)
    assert abs(delivery.next_attempt_at - expected) < timedelta(seconds=10)
    [retry] = retries()
    assert retry.run_after == delivery.next_attempt_at
    assert retry.args_kwargs == {"args": [delivery.pk], "kwargs": {}}

    run_tasks()
    assert len(receiver.received) == 1  # not due yet

    make_due(delivery)
    run_tasks()

    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["Undersigned-Webhook-Id"] == second.headers["Undersigned-Webhook-Id"]
    assert signature_valid(second, endpoint.secret)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (2, 200, "")
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None
    assert retries() == []


def test_it_gives_up_after_the_last_try(endpoint: WebhookEndpoint, receiver: Receiver) -> None:
    receiver.answers = [503] * ATTEMPTS
    delivery = endpoint_test(endpoint=endpoint)
    for _attempt in range(ATTEMPTS):
        make_due(delivery)
        run_tasks()

    delivery.refresh_from_db()
    assert len(receiver.received) == ATTEMPTS
    assert delivery.state == DeliveryState.FAILED
    assert (delivery.attempts, delivery.last_status) == (ATTEMPTS, 503)
    assert delivery.next_attempt_at is None
    assert retries() == []


def test_it_records_a_receiver_that_does_not_answer(
    endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        url=f"http://127.0.0.1:{free_port()}/hook"
    )
    delivery = endpoint_test(endpoint=endpoint)
    run_tasks()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.WAITING
    assert delivery.last_status is None
    assert delivery.last_error == "Connection refused."
    assert len(retries()) == 1


def test_a_redirect_is_not_followed(endpoint: WebhookEndpoint, receiver: Receiver) -> None:
    receiver.answers = [302]
    delivery = endpoint_test(endpoint=endpoint)
    run_tasks()

    delivery.refresh_from_db()
    assert len(receiver.received) == 1
    assert (delivery.state, delivery.last_status) == (DeliveryState.WAITING, 302)


def test_a_try_run_twice_sends_once(endpoint: WebhookEndpoint, receiver: Receiver) -> None:
    delivery = endpoint_test(endpoint=endpoint)
    run_tasks()
    assert delivery_attempt(delivery_id=delivery.pk) is None
    send_webhook.enqueue(delivery.pk)
    run_tasks()

    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 1)


def test_a_try_not_yet_due_or_held_by_another_does_nothing(
    endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    delivery = endpoint_test(endpoint=endpoint)
    later = timezone.now() + timedelta(minutes=5)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)
    assert delivery_attempt(delivery_id=delivery.pk) is None

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now(), claimed_until=later
    )
    assert delivery_attempt(delivery_id=delivery.pk) is None
    assert receiver.received == []

    # The other try's claim ran out (its worker died): this one takes it up.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    left = delivery_attempt(delivery_id=delivery.pk)
    assert left is not None and left.state == DeliveryState.DELIVERED
    assert len(receiver.received) == 1
