"""A sender of one message at a time keeps its connection to the relay for the next message
(kept_relay_connection), and whatever happens to that connection, every message goes out
once: a real relay on loopback counts the SMTP sessions (one EHLO each) and keeps what it
accepted."""

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.db import connection as database
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import run_tasks, sign
from tests.mail.conftest import Relay, serving, use_relay
from tests.processes import free_port
from undersigned.letters.models import Letter
from undersigned.lib.email_address import email_key
from undersigned.mail import messages
from undersigned.mail.messages import Outcome, TemporaryFailure, message_send_once
from undersigned.mail.models import SentMessage
from undersigned.signing.models import Signature
from undersigned.signing.tasks import send_confirmation


@pytest.fixture
def own_relay() -> Relay:
    """A relay not yet listening: the test starts and stops it with `serving`."""
    return Relay(port=free_port())


def note(to: str, subject: str = "A note") -> EmailMessage:
    return EmailMessage(subject=subject, body=f"For {to}.", to=[to])


def addresses(n: int) -> list[str]:
    return [f"signer{i}@example.org" for i in range(n)]


def send(to: str) -> Outcome:
    return message_send_once(note(to), key=f"note:{to}")


def assert_each_arrived_once(relay: Relay, expected: list[str]) -> None:
    """Exactly these recipients, in this order, each once, each message its own
    Message-ID, the one recorded for its key."""
    assert [d.rcpt_tos for d in relay.deliveries] == [[to] for to in expected]
    ids = [d.message["Message-ID"] for d in relay.deliveries]
    assert len(set(ids)) == len(ids), ids
    for to, message_id in zip(expected, ids, strict=True):
        assert SentMessage.objects.get(key=f"note:{to}").message_id == message_id


def confirmations() -> Any:
    return DBTaskResult.objects.filter(task_path=send_confirmation.module_path)


def test_it_sends_messages_one_after_another_over_one_session(
    db: None, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    to = addresses(5)

    assert [send(address) for address in to] == [Outcome.SENT] * 5

    assert relay.connections == 1
    assert_each_arrived_once(relay, to)


def test_it_sends_the_worker_s_confirmations_over_one_session(
    client: Client, petition: Letter, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    to = addresses(4)
    for address in to:
        assert sign(client, petition, email=address).status_code == 302

    run_tasks()

    assert relay.connections == 1
    assert sorted(d.rcpt_tos[0] for d in relay.deliveries) == to
    signatures = {d.confirmation_link()[1] for d in relay.deliveries}
    assert signatures == set(Signature.objects.values_list("pk", flat=True))
    assert len({d.message["Message-ID"] for d in relay.deliveries}) == 4
    assert set(confirmations().values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


def test_it_hands_nothing_over_on_a_connection_the_relay_dropped_and_sends_it_once_later(
    db: None, own_relay: Relay, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Used again at once, before any check, the dropped connection fails the message for
    now; it was not handed over, and goes out once when tried again, on a new session."""
    monkeypatch.setattr(messages, "KEPT_IDLE_CHECK", 3600.0)  # never checked: used as is
    use_relay(settings, own_relay)
    with serving(own_relay):
        assert send("first@example.org") == Outcome.SENT
    with serving(own_relay):
        with pytest.raises(TemporaryFailure):
            send("second@example.org")
        record = SentMessage.objects.get(key="note:second@example.org")
        assert (record.sent_at, record.claimed_until) == (None, None)  # free to try again
        assert len(own_relay.deliveries) == 1

        assert send("second@example.org") == Outcome.SENT
        assert send("third@example.org") == Outcome.SENT

    assert own_relay.connections == 2
    assert_each_arrived_once(
        own_relay, ["first@example.org", "second@example.org", "third@example.org"]
    )
    assert SentMessage.objects.get(key="note:second@example.org").attempts == 2


def test_it_retries_a_confirmation_the_dropped_connection_failed_and_sends_it_once(
    client: Client,
    petition: Letter,
    own_relay: Relay,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(messages, "KEPT_IDLE_CHECK", 3600.0)
    use_relay(settings, own_relay)
    with serving(own_relay):
        sign(client, petition, email="first@example.org")
        run_tasks()
    with serving(own_relay):
        sign(client, petition, email="second@example.org")
        run_tasks()
        assert [d.rcpt_tos for d in own_relay.deliveries] == [["first@example.org"]]
        retry = confirmations().get(status=TaskResultStatus.READY)
        assert retry.args_kwargs["kwargs"] == {"attempt": 2}

        confirmations().filter(pk=retry.pk).update(run_after=timezone.now() - timedelta(seconds=1))
        run_tasks()

    first, second = own_relay.deliveries
    assert (first.rcpt_tos, second.rcpt_tos) == (["first@example.org"], ["second@example.org"])
    assert first.message["Message-ID"] != second.message["Message-ID"]
    signature = Signature.objects.get(letter=petition, email_key=email_key("second@example.org"))
    assert second.confirmation_link()[1] == signature.pk
    assert SentMessage.objects.get(key=f"proof:{signature.pk}").sent_at is not None
    assert own_relay.connections == 2
    assert set(confirmations().values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


def test_it_checks_an_idle_connection_and_reopens_one_the_relay_dropped(
    db: None, own_relay: Relay, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "KEPT_IDLE_CHECK", 0.05)
    use_relay(settings, own_relay)
    with serving(own_relay):
        assert send("first@example.org") == Outcome.SENT
        time.sleep(0.2)
        assert send("second@example.org") == Outcome.SENT  # the relay answered NOOP
        assert own_relay.connections == 1
    with serving(own_relay):
        time.sleep(0.2)
        assert send("third@example.org") == Outcome.SENT  # NOOP failed: a new session

    assert own_relay.connections == 2
    assert_each_arrived_once(
        own_relay, ["first@example.org", "second@example.org", "third@example.org"]
    )
    assert SentMessage.objects.get(key="note:third@example.org").attempts == 1


def test_it_reopens_a_connection_idle_for_longer_than_kept_idle_max(
    db: None, relay: Relay, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "KEPT_IDLE_MAX", 0.05)
    use_relay(settings, relay)

    assert send("first@example.org") == Outcome.SENT
    time.sleep(0.2)
    assert send("second@example.org") == Outcome.SENT

    assert relay.connections == 2
    assert_each_arrived_once(relay, ["first@example.org", "second@example.org"])


def test_it_starts_a_new_session_after_kept_max_messages(
    db: None, relay: Relay, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "KEPT_MAX_MESSAGES", 3)
    use_relay(settings, relay)
    to = addresses(7)

    assert [send(address) for address in to] == [Outcome.SENT] * 7

    assert relay.connections == 3  # 3 + 3 + 1
    assert_each_arrived_once(relay, to)


def test_it_sends_over_the_new_relay_when_email_port_changes(
    db: None, relay: Relay, own_relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    with serving(own_relay):
        assert send("first@example.org") == Outcome.SENT

        settings.EMAIL_PORT = own_relay.port
        assert send("second@example.org") == Outcome.SENT
        assert send("third@example.org") == Outcome.SENT

    assert relay.connections == 1
    assert_each_arrived_once(relay, ["first@example.org"])
    assert own_relay.connections == 1
    assert [d.rcpt_tos for d in own_relay.deliveries] == [
        ["second@example.org"],
        ["third@example.org"],
    ]


def test_it_closes_the_connection_after_a_refusal_and_sends_the_next_message_once(
    db: None, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    relay.refused.add("gone@example.org")

    assert send("first@example.org") == Outcome.SENT
    assert send("gone@example.org") == Outcome.REFUSED
    assert send("second@example.org") == Outcome.SENT
    assert send("third@example.org") == Outcome.SENT

    assert relay.connections == 2  # a new session after the refusal, kept after that
    assert_each_arrived_once(
        relay, ["first@example.org", "second@example.org", "third@example.org"]
    )
    assert "550" in SentMessage.objects.get(key="note:gone@example.org").refused


def test_it_closes_the_connection_after_a_temporary_refusal_and_sends_the_message_once_later(
    db: None, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    assert send("first@example.org") == Outcome.SENT
    relay.busy = True  # 451 to every RCPT

    with pytest.raises(TemporaryFailure):
        send("second@example.org")
    relay.busy = False
    assert send("second@example.org") == Outcome.SENT
    assert send("second@example.org") == Outcome.ALREADY_SENT

    assert relay.connections == 2
    assert_each_arrived_once(relay, ["first@example.org", "second@example.org"])


def test_it_keeps_one_connection_per_thread(
    transactional_db: None, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []

    def sender(name: str) -> None:
        try:
            for n in range(3):
                outcomes.append(send(f"{name}{n}@example.org"))
        except BaseException as error:  # reported by the test's thread
            errors.append(error)
        finally:
            messages._kept_close()
            database.close()

    threads = [threading.Thread(target=sender, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert outcomes == [Outcome.SENT] * 6
    assert relay.connections == 2
    received = sorted(d.rcpt_tos[0] for d in relay.deliveries)
    assert received == sorted(f"{name}{n}@example.org" for name in "ab" for n in range(3))
    assert len({d.message["Message-ID"] for d in relay.deliveries}) == 6


def test_it_restores_sqlite_synchronous_after_a_send(
    transactional_db: None, relay: Relay, settings: Any
) -> None:
    if database.vendor != "sqlite":
        pytest.skip("PRAGMA synchronous is SQLite's; on PostgreSQL nothing changes")
    use_relay(settings, relay)
    with database.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        configured = cursor.fetchone()[0]
    assert configured == 2  # FULL, as the test settings have it

    with CaptureQueriesContext(database) as queries:
        assert send("first@example.org") == Outcome.SENT
    with database.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        after = cursor.fetchone()[0]

    assert after == configured
    executed = [query["sql"] for query in queries.captured_queries]
    assert "PRAGMA synchronous = NORMAL" in executed  # during the once-per-key records
    assert executed[-1] == "PRAGMA synchronous = 2"
    assert_each_arrived_once(relay, ["first@example.org"])
