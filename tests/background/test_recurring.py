"""Recurring housekeeping needs no particular task backend: one round at a time, however
many workers start, whichever backend holds the queue."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import default_task_backend, task_backends

from undersigned.background import recurring
from undersigned.background.models import RecurringRound
from undersigned.background.recurring import recurring_restart
from undersigned.signing.housekeeping import FORGET_INTERVAL, forget_unconfirmed
from undersigned.signing.housekeeping import housekeeping_schedule as worker_starts


@pytest.fixture(autouse=True)
def _rounds_of_this_test_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process's registry of started rounds holds only what this test starts: other
    tests start the worker's other rounds (retention, fraud alerts) in this process."""
    monkeypatch.setattr(recurring, "_STARTED", {})


def dummy_backend(settings: Any) -> Any:
    """A backend that keeps its queue in memory and has no table anyone could query."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.RECURRING_TASK_BACKEND = "default"
    default_task_backend.clear()  # type: ignore[attr-defined]
    return default_task_backend


def test_it_starts_one_round_however_many_workers_start(db: None, settings: Any) -> None:
    backend = dummy_backend(settings)

    for _ in range(3):
        worker_starts()

    assert [result.task.name for result in backend.results] == ["forget_unconfirmed"]


def test_it_schedules_the_next_round_from_inside_a_round(db: None, settings: Any) -> None:
    backend = dummy_backend(settings)
    worker_starts()

    forget_unconfirmed.call()  # the round, as a worker runs it
    worker_starts()

    waiting = [result for result in backend.results if result.task.run_after is not None]
    [next_round] = waiting
    assert next_round.task.run_after > timezone.now() + FORGET_INTERVAL - timedelta(minutes=1)
    assert len(backend.results) == 2  # the first round and the next; the start added none


def test_it_starts_again_a_chain_whose_waiting_round_was_lost(db: None, settings: Any) -> None:
    backend = dummy_backend(settings)
    worker_starts()
    long_ago = timezone.now() - 2 * FORGET_INTERVAL
    RecurringRound.objects.update(due_at=long_ago)  # the round never ran, nor its successor

    worker_starts()

    assert len(backend.results) == 2


def test_two_chains_that_ran_at_once_become_one(db: None, settings: Any) -> None:
    backend = dummy_backend(settings)
    worker_starts()

    forget_unconfirmed.call()  # the round
    forget_unconfirmed.call()  # a second one, such as a start enqueued while it was late

    waiting = [result for result in backend.results if result.task.run_after is not None]
    assert len(waiting) == 1


def test_a_running_worker_starts_again_a_round_whose_chain_broke(db: None, settings: Any) -> None:
    backend = dummy_backend(settings)
    worker_starts()
    assert recurring_restart() == 0  # under way: nothing to do
    RecurringRound.objects.update(due_at=timezone.now() - timedelta(seconds=1))  # lost

    assert recurring_restart() == 1

    assert [result.task.name for result in backend.results] == ["forget_unconfirmed"] * 2
    forget_unconfirmed.call()
    assert recurring_restart() == 0  # the chain goes on again


def test_the_rounds_go_to_the_recurring_backend(db: None, settings: Any) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"},
        "rounds": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"},
    }
    settings.RECURRING_TASK_BACKEND = "rounds"
    default_task_backend.clear()  # type: ignore[attr-defined]

    worker_starts()
    forget_unconfirmed.call()

    assert default_task_backend.results == []  # type: ignore[attr-defined]
    assert {result.backend for result in task_backends["rounds"].results} == {"rounds"}  # type: ignore[attr-defined]
