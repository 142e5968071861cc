from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import sign
from undersigned.letters.models import Letter
from undersigned.signing.housekeeping import forget_unconfirmed, housekeeping_schedule
from undersigned.signing.models import Level, Signature
from undersigned.signing.tokens import CONFIRM_MAX_AGE


def test_it_deletes_unconfirmed_signatures_once_their_link_has_expired(
    client: Client, workers_letter: Letter
) -> None:
    sign(
        client,
        workers_letter,
        email="old@northwind.example",
        display="anonymous",
        consent_updates=None,
    )
    sign(
        client,
        workers_letter,
        email="new@northwind.example",
        display="anonymous",
        consent_updates=None,
    )
    expired = timezone.now() - timedelta(seconds=CONFIRM_MAX_AGE + 60)
    Signature.objects.filter(email="old@northwind.example").update(created_at=expired)

    call_command("forget_unconfirmed")

    assert list(Signature.objects.values_list("email", "level")) == [
        ("new@northwind.example", Level.PENDING)
    ]


def test_it_keeps_one_forget_round_waiting_whatever_the_number_of_worker_starts(
    db: None, tasks: Callable[[], None], settings: Any
) -> None:
    settings.RECURRING_TASK_BACKEND = "default"  # the database queue this test reads
    housekeeping_schedule()
    housekeeping_schedule()
    tasks()  # runs the round, which schedules the next one an hour later

    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=forget_unconfirmed.module_path
    )
    [next_round] = waiting
    assert next_round.run_after is not None
    assert next_round.run_after > timezone.now() + timedelta(minutes=59)
    housekeeping_schedule()
    assert waiting.count() == 1
