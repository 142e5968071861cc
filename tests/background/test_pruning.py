"""The worker forgets finished tasks: a succeeded one after a day, a failed one after a
week, one waiting or running never."""

from datetime import timedelta

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from undersigned.background.pruning import task_results_prune, task_results_round


def row(status: str, finished_days_ago: float | None) -> DBTaskResult:
    result = task_results_round.enqueue()
    finished = (
        timezone.now() - timedelta(days=finished_days_ago)
        if finished_days_ago is not None
        else None
    )
    DBTaskResult.objects.filter(pk=result.id).update(status=status, finished_at=finished)
    return DBTaskResult.objects.get(pk=result.id)


def test_it_forgets_finished_tasks_past_their_keeping(db: None) -> None:
    DBTaskResult.objects.all().delete()
    old_success = row(TaskResultStatus.SUCCESSFUL, 2)
    new_success = row(TaskResultStatus.SUCCESSFUL, 0.5)
    old_failure = row(TaskResultStatus.FAILED, 8)
    new_failure = row(TaskResultStatus.FAILED, 3)
    waiting = row(TaskResultStatus.READY, None)

    assert task_results_prune() == 2

    kept = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert kept == {new_success.pk, new_failure.pk, waiting.pk}
    assert old_success.pk not in kept and old_failure.pk not in kept
