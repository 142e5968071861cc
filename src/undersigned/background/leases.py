"""Leases on claimed work, for the database task backend: a task a worker claimed and did
not finish within the lease (the worker was killed, or its machine died) is put back.

A task still running past its lease may then run twice at once, so every task is
idempotent (mail is sent at most once per key, see mail/messages.py) and the lease is
longer than any task should take.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def leases_expire() -> int:
    """Put back every task whose lease ran out; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS)
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY)
