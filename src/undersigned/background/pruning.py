"""Forgetting finished tasks: the database queue keeps a row of every task it ran, and the
rounds that run every few seconds (the signature log's, the webhooks') would add some
hundred thousand a day. Each hour the worker deletes those that succeeded a day ago or
more; a failed one is kept for a week, for whoever looks into why."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .recurring import recurring_next, recurring_start

PRUNE_EVERY = timedelta(hours=1)
SUCCEEDED_KEPT = timedelta(days=1)
FAILED_KEPT = timedelta(days=7)


def task_results_prune() -> int:
    """Delete finished task rows past their keeping; returns how many."""
    now = timezone.now()
    finished = DBTaskResult.objects.finished()
    succeeded = finished.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lte=now - SUCCEEDED_KEPT
    )
    failed = finished.filter(status=TaskResultStatus.FAILED, finished_at__lte=now - FAILED_KEPT)
    return succeeded.delete()[0] + failed.delete()[0]


@task()
def task_results_round() -> None:
    task_results_prune()
    recurring_next(task_results_round, every=PRUNE_EVERY)


def pruning_schedule() -> None:
    """Start the hourly round unless one is already under way (a worker starts)."""
    recurring_start(task_results_round, every=PRUNE_EVERY)
