"""Work a worker claimed and did not finish is put back once its lease runs out."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import sign
from undersigned.background.leases import leases_expire
from undersigned.letters.models import Letter


def test_it_puts_back_only_the_work_whose_lease_ran_out(
    client: Any, petition: Letter, settings: Any
) -> None:
    settings.TASK_LEASE_SECONDS = 60
    sign(client, petition, email="one@example.org")
    sign(client, petition, email="two@example.org")
    stuck, busy = DBTaskResult.objects.order_by("pk")
    now = timezone.now()
    DBTaskResult.objects.filter(pk=stuck.pk).update(
        status=TaskResultStatus.RUNNING, started_at=now - timedelta(seconds=61)
    )
    DBTaskResult.objects.filter(pk=busy.pk).update(
        status=TaskResultStatus.RUNNING, started_at=now - timedelta(seconds=30)
    )

    assert leases_expire() == 1

    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert (stuck.status, busy.status) == (TaskResultStatus.READY, TaskResultStatus.RUNNING)
