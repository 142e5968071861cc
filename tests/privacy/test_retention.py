"""The worker's rounds that keep personal data no longer than promised: a letter's
signers erased once its retention ends, network hashes dropped after the fraud window.
Timestamps are set in the past in the database, as time would have left them."""

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import make_letter, run_tasks, signed_and_confirmed
from tests.mail.conftest import Relay, start_worker
from tests.processes import stop, wait_for, wait_for_other_sessions_to_end
from tests.signing.conftest import cells_containing, reconcile
from undersigned.accounts.models import User
from undersigned.background import recurring
from undersigned.background.models import RecurringRound
from undersigned.deliveries.delivering import delivery_start
from undersigned.deliveries.models import Method
from undersigned.letters.models import Letter, Status
from undersigned.letters.publishing import letter_close
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import EventKind, Signature, SignatureEvent
from undersigned.signing.public_count import public_count
from undersigned.signing.retention import (
    fraud_window_round,
    network_hashes_drop,
    retention_erase,
    retention_round,
    retention_schedule,
)
from undersigned.signing.signatures import SignatureInput, signature_create


def _sign_many(letter: Letter, count: int, prefix: str) -> None:
    for n in range(count):
        signed_and_confirmed(letter, f"{prefix}{n}@mit.edu", f"Retained Person {prefix}{n}")


def _closed_days_ago(letter: Letter, days: int) -> Letter:
    letter = letter_close(letter=letter)
    assert letter.retention_from is not None
    Letter.objects.filter(pk=letter.pk).update(retention_from=timezone.now() - timedelta(days=days))
    letter.refresh_from_db()
    return letter


def test_it_erases_a_letter_closed_longer_ago_than_its_retention(
    academic_letter: Letter, organisation: Organisation, settings: Any
) -> None:
    settings.RETENTION_BATCH = 2  # several batches out of five signatures
    _sign_many(academic_letter, 5, "old")
    recent = make_letter(organisation, slug="recent")
    signed_and_confirmed(recent, "fresh@example.org", "Recently Closed Signer")
    before = letter_count_fresh(academic_letter.pk), public_count(academic_letter).institutions
    _closed_days_ago(academic_letter, 184)
    _closed_days_ago(recent, 182)

    assert retention_erase() == 5

    assert cells_containing("Retained Person") == []
    assert cells_containing("Recently Closed Signer") == ["signing_signature.name"]
    assert (
        letter_count_fresh(academic_letter.pk),
        public_count(academic_letter).institutions,
    ) == before
    assert before[1] == (("Massachusetts Institute of Technology", 5),)
    academic_letter.refresh_from_db()
    recent.refresh_from_db()
    assert academic_letter.personal_data_erased_at is not None
    assert recent.personal_data_erased_at is None
    assert SignatureEvent.objects.filter(letter=academic_letter, kind=EventKind.ERASED).count() == 5
    reconcile("--check")  # exits on drift


def test_it_is_idempotent(petition: Letter) -> None:
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    _closed_days_ago(petition, 200)
    assert retention_erase() == 1
    erased_at = Letter.objects.get(pk=petition.pk).personal_data_erased_at
    assert retention_erase() == 0
    assert Letter.objects.get(pk=petition.pk).personal_data_erased_at == erased_at
    assert SignatureEvent.objects.filter(kind=EventKind.ERASED).count() == 1


def test_a_letter_s_own_retention_counts(petition: Letter) -> None:
    Letter.objects.filter(pk=petition.pk).update(retention_days=10)
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    _closed_days_ago(petition, 9)
    assert retention_erase() == 0
    Letter.objects.filter(pk=petition.pk).update(retention_from=timezone.now() - timedelta(days=11))
    assert retention_erase() == 1


def test_an_open_letter_is_never_erased(petition: Letter) -> None:
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    Letter.objects.filter(pk=petition.pk).update(
        retention_from=timezone.now() - timedelta(days=999)
    )
    assert retention_erase() == 0
    assert Signature.objects.get().name == "Suzie Signer"


def test_a_letter_closed_before_the_clock_existed_starts_it_now(petition: Letter) -> None:
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    Letter.objects.filter(pk=petition.pk).update(status=Status.DELIVERED, retention_from=None)
    assert retention_erase() == 0
    started = Letter.objects.get(pk=petition.pk).retention_from
    assert started is not None and timezone.now() - started < timedelta(minutes=1)


def test_it_drops_network_hashes_past_the_fraud_window(petition: Letter, settings: Any) -> None:
    settings.RETENTION_BATCH = 2
    for n in range(5):
        data = SignatureInput(
            name=f"Signer {n}",
            email=f"s{n}@example.org",
            display="full",
            consent_updates=False,
            ip_hash=f"{n}" * 64,
            subnet_hash=f"{n}f" * 32,
        )
        signature_create(letter=petition, data=data)
    old = Signature.objects.order_by("pk")[:3]
    Signature.objects.filter(pk__in=[s.pk for s in old]).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert network_hashes_drop() == 3
    assert network_hashes_drop() == 0
    kept = dict(Signature.objects.values_list("name", "ip_hash"))
    assert kept == {
        "Signer 0": "",
        "Signer 1": "",
        "Signer 2": "",
        "Signer 3": "3" * 64,
        "Signer 4": "4" * 64,
    }
    assert set(Signature.objects.filter(ip_hash="").values_list("subnet_hash", flat=True)) == {""}


def test_the_fraud_window_is_a_setting(petition: Letter, settings: Any) -> None:
    settings.FRAUD_WINDOW_DAYS = 3
    data = SignatureInput(
        name="S", email="s@example.org", display="full", consent_updates=False, ip_hash="c" * 64
    )
    signature = signature_create(letter=petition, data=data)
    Signature.objects.filter(pk=signature.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert network_hashes_drop() == 0
    Signature.objects.filter(pk=signature.pk).update(created_at=timezone.now() - timedelta(days=4))
    assert network_hashes_drop() == 1


def test_it_schedules_both_rounds_and_they_run(
    petition: Letter, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # The rounds a process started are kept process-wide; this test's stay its own.
    monkeypatch.setattr(recurring, "_STARTED", {})
    settings.RECURRING_TASK_BACKEND = "default"  # the database queue run_tasks runs, Redis or not
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    _closed_days_ago(petition, 200)
    retention_schedule()  # as `undersigned worker` does when it starts
    paths = set(RecurringRound.objects.values_list("task_path", flat=True))
    assert {retention_round.module_path, fraud_window_round.module_path} <= paths
    run_tasks()
    assert Signature.objects.get().name == ""
    assert Letter.objects.get(pk=petition.pk).personal_data_erased_at is not None


def test_a_delivery_after_closing_starts_the_retention_again(
    petition: Letter, organiser: User, settings: Any
) -> None:
    settings.DELIVERY_BUILD_IN_CHILD = False
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    petition = _closed_days_ago(petition, 300)
    delivery_start(
        letter=petition,
        method=Method.MANUAL,
        targets=list(petition.targets.all()),
        closes_signing=False,
        by=organiser,
        delivered_on=timezone.localdate(),
    )
    run_tasks()  # builds it, and records it delivered
    petition.refresh_from_db()
    assert petition.status == Status.DELIVERED
    assert petition.retention_from is not None
    assert timezone.now() - petition.retention_from < timedelta(days=1)
    assert retention_erase() == 0
    assert Signature.objects.get().name == "Suzie Signer"


def test_closing_starts_the_clock(petition: Letter) -> None:
    assert petition.retention_from is None
    closed = letter_close(letter=petition)
    assert closed.retention_from is not None
    assert timezone.now() - closed.retention_from < timedelta(minutes=1)


def test_undersigned_worker_starts_both_rounds(
    transactional_db: None, tmp_path: Path, mail_relay: Relay, settings: Any
) -> None:
    worker = start_worker("retention", tmp_path, mail_relay, settings)
    wanted = {retention_round.module_path, fraud_window_round.module_path}
    try:
        wait_for(
            lambda: wanted <= set(RecurringRound.objects.values_list("task_path", flat=True)),
            [worker],
            tmp_path,
        )
    finally:
        stop([worker])
        wait_for_other_sessions_to_end()


def test_a_round_out_of_time_stops_and_the_next_goes_on(petition: Letter) -> None:
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    _closed_days_ago(petition, 200)
    assert retention_erase(until=time.monotonic() - 1) == 0
    assert Letter.objects.get(pk=petition.pk).personal_data_erased_at is None
    assert retention_erase(until=time.monotonic() + 60) == 1
    assert Letter.objects.get(pk=petition.pk).personal_data_erased_at is not None
