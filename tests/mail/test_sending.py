"""Each message goes to a real relay at most once per key, and what the relay answers decides
what happens next: sent, refused for good, or tried again later."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import run_tasks, sign
from tests.mail.conftest import Relay, use_relay
from tests.processes import free_port
from undersigned.letters.models import Letter
from undersigned.mail.messages import (
    RETRY_DELAYS,
    Outcome,
    TemporaryFailure,
    message_build,
    message_send_once,
    messages_send_once,
)
from undersigned.mail.models import SentMessage
from undersigned.signing.models import Signature
from undersigned.signing.tasks import send_confirmation


def note(letter: Letter, to: str, **headers: str) -> EmailMultiAlternatives:
    context = {"letter": letter, "manage_url": "https://x.example/m/", "letter_url": "/"}
    return message_build("signing/email/confirmed", to=to, context=context, headers=headers)


def confirmations() -> Any:
    return DBTaskResult.objects.filter(task_path=send_confirmation.module_path)


def test_it_sends_the_list_headers_it_was_given(
    petition: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    unsubscribe = f"<{settings.BASE_URL}/unsubscribe/a-token/>"
    message = note(
        petition,
        "suzie@example.org",
        **{
            "List-Unsubscribe": unsubscribe,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": "Drop the camera contract <drop-the-contract.undersigned.example>",
        },
    )

    assert message_send_once(message, key="update:1:1") == Outcome.SENT

    [delivery] = relay.deliveries
    assert delivery.message["Subject"] == "Your signature on Drop the camera contract is confirmed"
    assert delivery.message["List-Unsubscribe"] == unsubscribe
    assert delivery.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert delivery.message["List-Id"] == (
        "Drop the camera contract <drop-the-contract.undersigned.example>"
    )


def test_it_sends_a_message_once_per_key(petition: Letter, relay: Relay, settings: Any) -> None:
    use_relay(settings, relay)

    assert message_send_once(note(petition, "suzie@example.org"), key="proof:1") == Outcome.SENT
    again = message_send_once(note(petition, "suzie@example.org"), key="proof:1")
    other = message_send_once(note(petition, "pete@example.org"), key="proof:2")

    assert (again, other) == (Outcome.ALREADY_SENT, Outcome.SENT)
    first, second = relay.deliveries
    assert (first.rcpt_tos, second.rcpt_tos) == (["suzie@example.org"], ["pete@example.org"])
    assert first.message["Message-ID"] != second.message["Message-ID"]
    assert SentMessage.objects.get(key="proof:1").message_id == first.message["Message-ID"]


def test_it_gives_a_message_sent_again_after_a_crash_the_same_message_id(
    petition: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    message_send_once(note(petition, "suzie@example.org"), key="proof:1")
    # A sender that died after the relay accepted, before the record, leaves the claim to lapse.
    SentMessage.objects.update(sent_at=None, claimed_until=timezone.now() - timedelta(seconds=1))

    assert message_send_once(note(petition, "suzie@example.org"), key="proof:1") == Outcome.SENT

    first, second = relay.deliveries
    assert first.message["Message-ID"] == second.message["Message-ID"]


def test_it_sends_a_batch_over_one_connection(
    petition: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    batch = [(f"update:1:{n}", note(petition, f"signer{n}@example.org")) for n in range(5)]

    assert messages_send_once(batch) == {key: Outcome.SENT for key, _message in batch}
    assert relay.connections == 1
    assert [d.rcpt_tos for d in relay.deliveries] == [[f"signer{n}@example.org"] for n in range(5)]

    again = messages_send_once(batch)

    assert set(again.values()) == {Outcome.ALREADY_SENT}
    assert len(relay.deliveries) == 5


def test_it_sends_the_rest_of_a_batch_past_an_address_refused_for_good(
    petition: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    relay.refused.add("gone@example.org")
    addresses = ["suzie@example.org", "gone@example.org", "pete@example.org"]

    outcomes = messages_send_once(
        (f"update:1:{n}", note(petition, to)) for n, to in enumerate(addresses)
    )

    assert list(outcomes.values()) == [Outcome.SENT, Outcome.REFUSED, Outcome.SENT]
    assert [d.rcpt_tos for d in relay.deliveries] == [["suzie@example.org"], ["pete@example.org"]]
    assert relay.connections == 1


def test_it_records_a_refusal_for_good_and_does_not_send_again(
    petition: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    relay.refused.add("gone@example.org")

    assert message_send_once(note(petition, "gone@example.org"), key="proof:1") == Outcome.REFUSED
    relay.refused.clear()
    again = message_send_once(note(petition, "gone@example.org"), key="proof:1")

    assert again == Outcome.REFUSED
    assert relay.deliveries == []
    record = SentMessage.objects.get(key="proof:1")
    assert "550" in record.refused and "No such user" in record.refused
    assert record.sent_at is None


def test_it_does_not_retry_a_confirmation_the_relay_refused_for_good(
    client: Client, petition: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    relay.refused.add("gone@example.org")
    sign(client, petition, email="gone@example.org")

    run_tasks()

    [task] = confirmations()
    assert task.status == TaskResultStatus.SUCCESSFUL
    signature = Signature.objects.get(letter=petition)
    assert "No such user" in SentMessage.objects.get(key=f"proof:{signature.pk}").refused
    assert relay.deliveries == []


def test_it_sends_a_confirmation_again_later_when_the_relay_says_try_again_later(
    client: Client, petition: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    relay.busy = True
    sign(client, petition)
    signature = Signature.objects.get(letter=petition)

    run_tasks()

    first, retry = confirmations().order_by("enqueued_at")
    assert first.status == TaskResultStatus.SUCCESSFUL
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs == {"args": [signature.pk], "kwargs": {"attempt": 2}}
    assert retry.run_after > timezone.now() + RETRY_DELAYS[0] - timedelta(seconds=10)
    record = SentMessage.objects.get(key=f"proof:{signature.pk}")
    assert (record.sent_at, record.claimed_until) == (None, None)
    assert relay.deliveries == []

    relay.busy = False
    run_tasks()
    assert relay.deliveries == []  # not due yet

    confirmations().filter(pk=retry.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    run_tasks()

    [delivery] = relay.deliveries
    assert delivery.rcpt_tos == ["suzie@example.org"]
    assert delivery.confirmation_link()[1] == signature.pk
    assert confirmations().count() == 2
    assert set(confirmations().values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
    record.refresh_from_db()
    assert record.sent_at is not None
    assert record.attempts == 2


def test_it_sends_a_confirmation_again_later_that_a_stopped_sender_held(
    client: Client, petition: Letter, relay: Relay, settings: Any
) -> None:
    """A worker killed mid-send leaves its claim on the message; its task, taken up again
    before that claim lapses, must not count the message as sent."""
    use_relay(settings, relay)
    sign(client, petition)
    signature = Signature.objects.get(letter=petition)
    SentMessage.objects.create(
        key=f"proof:{signature.pk}",
        message_id="<held@undersigned.example>",
        claimed_until=timezone.now() + timedelta(seconds=60),
        attempts=1,
    )

    run_tasks()

    assert relay.deliveries == []
    first, retry = confirmations().order_by("enqueued_at")
    assert (first.status, retry.status) == (TaskResultStatus.SUCCESSFUL, TaskResultStatus.READY)
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}

    SentMessage.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    confirmations().filter(pk=retry.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    run_tasks()

    [delivery] = relay.deliveries
    assert delivery.confirmation_link()[1] == signature.pk
    assert delivery.message["Message-ID"] == "<held@undersigned.example>"


def test_it_sends_a_confirmation_again_later_when_no_relay_answers(
    client: Client, petition: Letter, settings: Any
) -> None:
    use_relay(settings, Relay(port=free_port()))  # nothing listens there

    with pytest.raises(TemporaryFailure):
        message_send_once(note(petition, "suzie@example.org"), key="proof:0")
    sign(client, petition)
    run_tasks()

    first, retry = confirmations().order_by("enqueued_at")
    assert first.status == TaskResultStatus.SUCCESSFUL
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}
    assert retry.run_after > timezone.now()
    assert not SentMessage.objects.filter(sent_at__isnull=False).exists()


def test_it_fails_the_confirmation_after_the_last_try(
    client: Client, petition: Letter, settings: Any
) -> None:
    use_relay(settings, Relay(port=free_port()))
    sign(client, petition)
    last = {"attempt": len(RETRY_DELAYS) + 1}
    confirmations().update(args_kwargs={"args": [Signature.objects.get().pk], "kwargs": last})

    run_tasks()

    [task] = confirmations()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "undersigned.mail.messages.TemporaryFailure"
