"""Recurring tasks that schedule their own next round, for any task backend.

A round's row says when the chain is next due: the time its next round was scheduled for,
plus a grace period. A worker start claims the row with a conditional UPDATE only once that
time has passed, so several workers starting at once enqueue one round, and a start while
the next round waits enqueues nothing. A chain that broke (its waiting round lost with a
Redis that was flushed or a worker that was killed, or a round that failed) is started
again by the next worker start, or by a running worker's check (`recurring_restart`),
once it is overdue by the grace period. A round that finds the next one already scheduled
schedules none, so two chains that ran at once become one again.

The rounds go to `RECURRING_TASK_BACKEND`: RQ when Redis is configured, the database
otherwise. They are the one work RQ carries, since losing a round costs only a delay.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

from .models import RecurringRound

GRACE = timedelta(minutes=5)

# Every round this process started, so that a running worker can start a lost one again.
_STARTED: dict[str, tuple[Task[[], None], timedelta]] = {}


def recurring_start(task: Task[[], None], *, every: timedelta) -> bool:
    """Enqueue the task now unless a round of it is already under way."""
    _STARTED[task.module_path] = (task, every)
    now = timezone.now()
    due_at = now + GRACE
    with transaction.atomic():
        claimed = RecurringRound.objects.filter(task_path=task.module_path, due_at__lte=now).update(
            due_at=due_at
        )
        if not claimed:
            if RecurringRound.objects.filter(task_path=task.module_path).exists():
                return False  # a round is under way
            try:
                with transaction.atomic():
                    RecurringRound.objects.create(task_path=task.module_path, due_at=due_at)
            except IntegrityError:
                return False  # another worker started it a moment ago
        _recurring(task).enqueue()
    return True


def recurring_next(task: Task[[], None], *, every: timedelta) -> None:
    """From inside a round: schedule the next one, unless another round already did."""
    now = timezone.now()
    run_after = now + every
    with transaction.atomic():
        current = (
            RecurringRound.objects.select_for_update().filter(task_path=task.module_path).first()
        )
        # Half a round of leeway, for clocks of several machines that disagree a little.
        if current is not None and current.due_at - GRACE > now + every / 2:
            return  # the next round waits already: this chain ends, the other goes on
        RecurringRound.objects.update_or_create(
            task_path=task.module_path, defaults={"due_at": run_after + GRACE}
        )
        _recurring(task).using(run_after=run_after).enqueue()


def recurring_restart() -> int:
    """Start again every round this process started whose chain broke; returns how many."""
    return sum(recurring_start(task, every=every) for task, every in list(_STARTED.values()))


def _recurring(task: Task[[], None]) -> Task[[], None]:
    return task.using(backend=settings.RECURRING_TASK_BACKEND)
