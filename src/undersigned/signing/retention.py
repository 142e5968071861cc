"""How long personal data is kept: the recurring rounds that erase what is past its time.

- A letter closed or delivered more than its `retention_days` ago has its signers'
  personal data erased (privacy.signatures_erase), and keeps its counts and institution
  aggregates; `personal_data_erased_at` says when.
- A signature older than the fraud window (FRAUD_WINDOW_DAYS) loses the keyed hashes of
  the network address it came from and of its subnet.

Both work in batches of RETENTION_BATCH rows, each its own transaction, so a letter of a
million signatures never holds one long transaction, and a round stops after half the
task lease (a round running longer would be taken up by a second worker meanwhile); both
are safe to run twice, or to stop anywhere: the next round goes on where this one stopped.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from undersigned.background.recurring import recurring_next, recurring_start
from undersigned.letters.models import Letter, Status

from .models import Signature
from .privacy import ERASED_KEY_PREFIX, signatures_erase

RETENTION_INTERVAL = timedelta(hours=1)


def letters_past_retention() -> list[Letter]:
    """Closed or delivered letters whose retention ended, not erased yet. A closed letter
    whose clock never started (closed before it was recorded) starts it now."""
    ended = Letter.objects.filter(
        status__in=[Status.CLOSED, Status.DELIVERED], personal_data_erased_at__isnull=True
    )
    ended.filter(retention_from__isnull=True).update(retention_from=timezone.now())
    now = timezone.now()
    return [
        letter
        for letter in ended.exclude(retention_from__isnull=True).order_by("pk")
        if letter.retention_from is not None
        and letter.retention_from + timedelta(days=letter.retention_days) <= now
    ]


def letter_personal_data_erase(*, letter: Letter, until: float = float("inf")) -> int:
    """Erase the personal data of every signature of a letter, a batch at a time, then
    record when; how many were erased. Past `until` (time.monotonic) it stops, unrecorded."""
    erased = 0
    last = 0
    while True:
        if time.monotonic() > until:
            return erased
        batch = list(
            Signature.objects.filter(letter=letter, pk__gt=last)
            .exclude(email_key__startswith=ERASED_KEY_PREFIX)
            .order_by("pk")
            .values_list("pk", flat=True)[: settings.RETENTION_BATCH]
        )
        if not batch:
            break
        erased += signatures_erase(signature_ids=batch)
        last = batch[-1]
    Letter.objects.filter(pk=letter.pk, personal_data_erased_at__isnull=True).update(
        personal_data_erased_at=timezone.now()
    )
    return erased


def retention_erase(*, until: float = float("inf")) -> int:
    """Erase the letters past their retention; how many signatures were erased."""
    return sum(
        letter_personal_data_erase(letter=letter, until=until)
        for letter in letters_past_retention()
    )


def network_hashes_drop(*, until: float = float("inf")) -> int:
    """Blank the network hashes of signatures older than the fraud window, a batch at a
    time; how many were blanked."""
    before = timezone.now() - timedelta(days=settings.FRAUD_WINDOW_DAYS)
    kept = Signature.objects.filter(created_at__lt=before).filter(
        ~Q(ip_hash="") | ~Q(subnet_hash="")
    )
    dropped = 0
    last = 0
    while time.monotonic() <= until:
        after = kept.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)
        batch = list(after[: settings.RETENTION_BATCH])
        if not batch:
            return dropped
        dropped += Signature.objects.filter(pk__in=batch).update(ip_hash="", subnet_hash="")
        last = batch[-1]
    return dropped


def _round_end() -> float:
    return time.monotonic() + settings.TASK_LEASE_SECONDS / 2


@task()
def retention_round() -> None:
    """Erase the letters past their retention, then come back in an hour."""
    retention_erase(until=_round_end())
    recurring_next(retention_round, every=RETENTION_INTERVAL)


@task()
def fraud_window_round() -> None:
    """Drop the network hashes past the fraud window, then come back in an hour."""
    network_hashes_drop(until=_round_end())
    recurring_next(fraud_window_round, every=RETENTION_INTERVAL)


def retention_schedule() -> None:
    """Start both rounds unless they are already under way (a worker starts)."""
    recurring_start(retention_round, every=RETENTION_INTERVAL)
    recurring_start(fraud_window_round, every=RETENTION_INTERVAL)
