"""An update over real SMTP: the headers that make it a good citizen of the inbox, the
progress the dashboard shows, and retries with backoff until a recipient fails."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import run_tasks
from tests.mail.conftest import Relay, use_relay
from tests.updates.conftest import signer
from undersigned.letters.models import Letter
from undersigned.mail.messages import RETRY_DELAYS
from undersigned.organisations.models import Organisation
from undersigned.updates.models import RecipientStatus, Update, UpdateRecipient, UpdateStatus
from undersigned.updates.publishing import AlreadySent, update_send
from undersigned.updates.sending import update_progress


@pytest.fixture
def relayed(relay: Relay, settings: Any) -> Relay:
    use_relay(settings, relay)
    return relay


def test_every_update_carries_list_headers_and_a_working_one_click_unsubscribe(
    petition: Letter, organisation: Organisation, update: Update, relayed: Relay, settings: Any
) -> None:
    organisation.contact_email = "team@openstreets.example"
    organisation.save()
    signer(petition, "ada@example.org")
    update_send(update)
    run_tasks()

    [delivery] = relayed.deliveries
    message = delivery.message
    assert delivery.rcpt_tos == ["ada@example.org"]
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Open Streets Alliance via undersigned",
        "noreply@127.0.0.1",
    )
    assert message["Reply-To"] == "team@openstreets.example"
    assert message["List-Id"] == (
        "Updates from Open Streets Alliance <open-streets-alliance.updates.127.0.0.1>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<[0-9a-f]{32}@127\.0\.0\.1>", message["Message-ID"])
    assert message["Date"]
    match = re.fullmatch(r"<(https?://[^>]+)>", message["List-Unsubscribe"].strip())
    assert match
    url = match.group(1)
    assert url in delivery.part("plain")
    assert url in delivery.part("html")  # a visible link in the body too
    assert "It went **well**" in delivery.part("plain")
    assert "<strong>well</strong>" in delivery.part("html")

    # RFC 8058: a POST with no cookie, no session and no CSRF token, answered 2xx.
    path = url.removeprefix(settings.BASE_URL)
    client = Client(enforce_csrf_checks=True)
    answer = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert 200 <= answer.status_code < 300
    assert "You are unsubscribed" in answer.text

    second = Update.objects.create(letter=petition, subject="And another", body="Hello.")
    update_send(second)
    run_tasks()
    assert len(relayed.deliveries) == 1  # the unsubscribed address got nothing more


def test_the_dashboard_counts_sent_failed_and_skipped(
    petition: Letter, update: Update, relayed: Relay
) -> None:
    signer(petition, "ada@example.org")
    signer(petition, "bo@example.org")
    relayed.refused.add("bo@example.org")
    update_send(update)
    run_tasks()

    progress = update_progress(update)
    assert (progress.queued, progress.sent, progress.failed, progress.skipped) == (0, 1, 1, 0)
    update.refresh_from_db()
    assert update.status == UpdateStatus.SENT and update.finished_at is not None
    failed = UpdateRecipient.objects.get(status=RecipientStatus.FAILED)
    assert "550" in failed.error


def test_a_busy_relay_is_retried_with_backoff_then_the_recipient_fails(
    petition: Letter, update: Update, relayed: Relay
) -> None:
    signer(petition, "ada@example.org")
    relayed.busy = True
    update_send(update)
    run_tasks()

    row = UpdateRecipient.objects.get()
    assert row.status == RecipientStatus.QUEUED and row.attempts == 1
    assert row.not_before is not None
    assert row.not_before - timezone.now() > RETRY_DELAYS[0] - timedelta(seconds=5)
    assert update_progress(update).queued == 1

    for _try in RETRY_DELAYS:  # each later try, once its backoff passed
        UpdateRecipient.objects.update(not_before=timezone.now())
        _run_due_tasks()
    row.refresh_from_db()
    assert row.status == RecipientStatus.FAILED
    assert row.attempts == len(RETRY_DELAYS) + 1
    assert update_progress(update).failed == 1
    update.refresh_from_db()
    assert update.status == UpdateStatus.SENT  # finished: nobody is left waiting

    relayed.busy = False
    assert relayed.deliveries == []


def test_a_relay_back_in_time_delivers_on_the_retry(
    petition: Letter, update: Update, relayed: Relay
) -> None:
    signer(petition, "ada@example.org")
    relayed.busy = True
    update_send(update)
    run_tasks()
    relayed.busy = False
    UpdateRecipient.objects.update(not_before=timezone.now())
    _run_due_tasks()

    assert [d.rcpt_tos for d in relayed.deliveries] == [["ada@example.org"]]
    assert update_progress(update).sent == 1


def test_sending_twice_is_refused(petition: Letter, update: Update, relayed: Relay) -> None:
    update_send(update)
    with pytest.raises(AlreadySent):
        update_send(update)


def test_the_send_rate_is_kept_across_senders(
    petition: Letter, update: Update, relayed: Relay, settings: Any
) -> None:
    settings.UPDATE_SEND_RATE = 20
    for number in range(10):
        signer(petition, f"signer{number}@example.org")
    update_send(update)
    started = timezone.now()
    run_tasks()
    took = (timezone.now() - started).total_seconds()

    assert len(relayed.deliveries) == 10
    assert took >= 9 / 20  # ten messages at twenty a second: the last one at 0.45 s


def _run_due_tasks() -> None:
    """Run the tasks whose run_after came, as a worker would once the backoff passed."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(run_after__isnull=False).update(run_after=timezone.now())
    run_tasks()


def test_a_relay_down_costs_one_try_and_the_rest_wait_untried(
    petition: Letter, update: Update, relayed: Relay
) -> None:
    for name in ("ada", "bo", "cy"):
        signer(petition, f"{name}@example.org")
    relayed.busy = True
    update_send(update)
    run_tasks()

    rows = list(UpdateRecipient.objects.order_by("pk"))
    assert [row.attempts for row in rows] == [1, 0, 0]
    assert all(row.status == RecipientStatus.QUEUED and row.not_before for row in rows)
    assert relayed.connections == 1  # it stopped at the first refusal instead of trying on
