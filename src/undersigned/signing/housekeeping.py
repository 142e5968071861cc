"""Housekeeping that keeps the signers' promises without a cron job."""

from datetime import timedelta

from django_tasks import task

from undersigned.background.recurring import recurring_next, recurring_start

from .signatures import signatures_forget_unconfirmed

FORGET_INTERVAL = timedelta(hours=1)


@task()
def forget_unconfirmed() -> None:
    """Delete expired unconfirmed signatures, then come back in an hour: the promise that
    an unconfirmed address is gone once its link expires holds without a cron job."""
    signatures_forget_unconfirmed()
    recurring_next(forget_unconfirmed, every=FORGET_INTERVAL)


def housekeeping_schedule() -> None:
    """Start the forget_unconfirmed round unless one is already under way (a worker starts)."""
    recurring_start(forget_unconfirmed, every=FORGET_INTERVAL)
