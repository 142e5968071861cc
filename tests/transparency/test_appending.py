"""Every event that moves a count becomes one entry of its letter's log, once, in order."""

import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import run_tasks, signed_and_confirmed
from tests.signing.conftest import in_threads
from tests.transparency.conftest import fold
from undersigned.background.models import RecurringRound
from undersigned.letters.models import Letter
from undersigned.lib import merkle
from undersigned.signing.holds import signature_hold
from undersigned.signing.models import EventKind, SignatureEvent
from undersigned.signing.privacy import signatures_erase
from undersigned.signing.signatures import (
    SignatureInput,
    signature_create,
    signature_withdraw,
)
from undersigned.transparency.appending import (
    GAP_WAIT,
    log_fold,
    missed_fold,
    transparency_round,
    transparency_schedule,
)
from undersigned.transparency.checking import log_check
from undersigned.transparency.models import LogEntry, LogFeed, LogState, TreeHead
from undersigned.transparency.store import StoredNodes


def logged_event_ids(letter: Letter) -> list[int]:
    events = SignatureEvent.objects.filter(letter=letter).order_by("pk")
    return [event.pk for event in events if event.total_delta or event.verified_delta]


def entry_event_ids(letter: Letter) -> list[int]:
    return list(
        LogEntry.objects.filter(letter=letter).order_by("index").values_list("event_id", flat=True)
    )


def test_it_appends_each_counted_event_once_in_the_order_of_the_events(petition: Letter) -> None:
    ana = signed_and_confirmed(petition, "ana@example.org")
    signed_and_confirmed(petition, "ben@example.org")
    fold()
    signature_withdraw(signature_id=ana.pk)
    signed_and_confirmed(petition, "chen@example.org")
    fold()
    fold()

    assert entry_event_ids(petition) == logged_event_ids(petition)
    kinds = [json.loads(bytes(row.entry))["kind"] for row in LogEntry.objects.order_by("index")]
    assert kinds == ["confirmed", "confirmed", "withdrawn", "confirmed"]
    assert list(LogEntry.objects.order_by("index").values_list("index", flat=True)) == [0, 1, 2, 3]
    state = LogState.objects.get(letter=petition)
    assert (state.size, state.total) == (4, 2)
    assert list(TreeHead.objects.filter(letter=petition).values_list("size", flat=True)) == [2, 4]


def test_it_makes_no_entry_of_an_event_that_moves_no_count(petition: Letter) -> None:
    data = SignatureInput(
        name="Dee", email="dee@example.org", display="full", consent_updates=False
    )
    pending = signature_create(letter=petition, data=data)
    signature_withdraw(signature_id=pending.pk)  # never confirmed: the count never moved
    erased = signed_and_confirmed(petition, "eve@example.org")
    signatures_erase(signature_ids=[erased.pk])
    fold()

    kinds = set(SignatureEvent.objects.values_list("kind", flat=True))
    assert {EventKind.WITHDRAWN, EventKind.ERASED, EventKind.CONFIRMED} <= kinds
    entries = [json.loads(bytes(row.entry)) for row in LogEntry.objects.order_by("index")]
    assert [entry["kind"] for entry in entries] == ["confirmed"]


def test_it_stores_every_perfect_subtree_so_each_size_has_its_root(petition: Letter) -> None:
    for n in range(11):
        signed_and_confirmed(petition, f"signer{n}@example.org")
        if n % 3 == 0:
            fold()
    fold()
    leaves = [
        bytes(leaf)
        for leaf in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True)
    ]
    reference = merkle.MemoryNodes()
    reference.put_many(merkle.frontier_append(merkle.Frontier(), leaves).nodes)
    stored = StoredNodes(petition.pk)
    for size in range(12):
        assert merkle.root(size, stored) == merkle.root(size, reference)
    for head in TreeHead.objects.filter(letter=petition):
        assert bytes(head.root) == merkle.root(head.size, reference)


def test_it_appends_an_event_that_commits_after_a_higher_one(petition: Letter) -> None:
    """As on PostgreSQL, where an id handed out first may commit last: the feed looks for
    the ids it passed without seeing, and appends the event once it shows."""
    signed_and_confirmed(petition, "ana@example.org")
    late = signed_and_confirmed(petition, "ben@example.org")
    signed_and_confirmed(petition, "chen@example.org")
    event = SignatureEvent.objects.get(signature_id=late.pk)
    kept = {field.attname: getattr(event, field.attname) for field in SignatureEvent._meta.fields}
    event.delete()  # not committed yet, as the feed sees it

    fold()
    assert LogState.objects.get(letter=petition).size == 2
    missing = kept["id"]
    # (On PostgreSQL the ids before this test's are missing too: the test rolled back.)
    assert [missing, missing, pytest.approx(time.time(), abs=5)] in LogFeed.objects.get().gaps

    SignatureEvent.objects.create(**kept)  # it commits
    fold()
    assert entry_event_ids(petition)[-1] == missing
    assert sorted(entry_event_ids(petition)) == logged_event_ids(petition)
    assert [missing, missing] not in [gap[:2] for gap in LogFeed.objects.get().gaps]
    assert log_check(petition).agrees


def test_it_reports_an_event_that_committed_too_late_and_appends_it_when_asked(
    petition: Letter,
) -> None:
    signed_and_confirmed(petition, "ana@example.org")
    late = signed_and_confirmed(petition, "ben@example.org")
    signed_and_confirmed(petition, "chen@example.org")
    event = SignatureEvent.objects.get(signature_id=late.pk)
    kept = {field.attname: getattr(event, field.attname) for field in SignatureEvent._meta.fields}
    event.delete()
    fold()
    # The feed gave up looking for it.
    missing, long_ago = kept["id"], int(time.time() - GAP_WAIT.total_seconds()) - 1
    LogFeed.objects.update(gaps=[[missing, missing, long_ago]])
    fold()
    SignatureEvent.objects.create(**kept)
    fold()

    check = log_check(petition)
    assert check.missed == 1
    assert not check.sound
    assert "1 counted event(s) read past are not in the log" in check.problems[0]

    assert missed_fold().entries == 1
    check = log_check(petition)
    assert check.sound and check.agrees


def test_it_remembers_no_gap_before_an_old_event(petition: Letter) -> None:
    """An id missing before an event written long ago belongs to no transaction still open."""
    signed_and_confirmed(petition, "ana@example.org")
    gone = signed_and_confirmed(petition, "ben@example.org")
    signed_and_confirmed(petition, "chen@example.org")
    SignatureEvent.objects.filter(signature_id=gone.pk).delete()
    SignatureEvent.objects.update(created_at=timezone.now() - GAP_WAIT - timedelta(seconds=1))
    fold()
    assert LogFeed.objects.get().gaps == []


SIGNERS = 30


@pytest.mark.django_db(transaction=True)
def test_it_appends_each_event_once_in_order_with_two_appenders_while_people_sign(
    petition: Letter,
) -> None:
    done = threading.Event()
    lost = []

    def signer() -> None:
        try:
            for n in range(SIGNERS):
                signature = signed_and_confirmed(petition, f"signer{n}@example.org")
                if n % 7 == 0:
                    signature_withdraw(signature_id=signature.pk)
                elif n % 5 == 0:
                    signature_hold(signature_id=signature.pk)
        finally:
            done.set()

    def appender() -> None:
        while not done.is_set():
            folded = log_fold(passes=3, batch=4)
            lost.append(folded.more)
            time.sleep(0.001)
        log_fold(passes=1000, batch=4)

    in_threads(3, lambda index: signer() if index == 0 else appender())
    fold()

    ids = entry_event_ids(petition)
    assert len(ids) == len(set(ids))
    assert ids == logged_event_ids(petition)
    assert list(
        LogEntry.objects.filter(letter=petition).order_by("index").values_list("index", flat=True)
    ) == list(range(len(ids)))
    check = log_check(petition, full=True)
    assert check.sound, check.problems
    assert check.agrees
    assert connection.vendor in {"sqlite", "postgresql"}


def test_the_workers_round_appends_and_schedules_the_next(petition: Letter, settings: Any) -> None:
    settings.RECURRING_TASK_BACKEND = "default"  # the database queue run_tasks runs
    signed_and_confirmed(petition, "ana@example.org")
    transparency_schedule()
    run_tasks()
    assert LogState.objects.get(letter=petition).size == 1
    assert (
        RecurringRound.objects.get(task_path=transparency_round.module_path).due_at > timezone.now()
    )
