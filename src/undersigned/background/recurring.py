"""Recurring tasks that schedule their own next round, for any task backend.

A round is claimed with a conditional UPDATE of its due time, so several workers starting
at once enqueue it once. The due time stays a grace period past the next run, so a worker
start while the next round waits enqueues nothing, and a chain that broke (its waiting
task lost) is started again by the next worker start after that.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

from .models import RecurringRound

GRACE = timedelta(minutes=5)


def recurring_start(task: Task[[], None], *, every: timedelta) -> bool:
    """Enqueue the task now unless a round of it is already under way."""
    now = timezone.now()
    due_at = now + every + GRACE
    with transaction.atomic():
        claimed = RecurringRound.objects.filter(task_path=task.module_path, due_at__lte=now).update(
            due_at=due_at
        )
        if not claimed:
            try:
                with transaction.atomic():
                    RecurringRound.objects.create(task_path=task.module_path, due_at=due_at)
            except IntegrityError:
                return False  # a round is under way
        task.enqueue()
    return True


def recurring_next(task: Task[[], None], *, every: timedelta) -> None:
    """From inside a round: schedule the next one."""
    run_after = timezone.now() + every
    with transaction.atomic():
        RecurringRound.objects.update_or_create(
            task_path=task.module_path, defaults={"due_at": run_after + GRACE}
        )
        task.using(run_after=run_after).enqueue()
