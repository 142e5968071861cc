"""Fraud alerts: a subnet or an address domain bringing a letter many of an hour's new
signatures, told to the organisation's moderators once.

A round of the worker looks every FRAUD_ALERT_CHECK_SECONDS at each open letter's
signatures of the hour under way and of the one before (a burst late in an hour is found
by the first round after it). A group passes when it made at least FRAUD_ALERT_THRESHOLD
of them and more than FRAUD_ALERT_SHARE of all the letter's. A quiet letter costs one
count: fewer new signatures than the threshold in all, and nothing can pass.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from undersigned.background.recurring import recurring_next, recurring_start
from undersigned.letters.models import Letter, Status
from undersigned.mail.messages import (
    RETRY_DELAYS,
    TemporaryFailure,
    message_build,
    messages_send_once,
)
from undersigned.organisations.access import Action, members_who_may
from undersigned.signing.abuse import is_common_domain, proves_addresses
from undersigned.signing.models import Signature

from .models import FraudAlert, Grouping
from .trending import FIELDS, HOUR, hour_of

logger = logging.getLogger(__name__)


def alerts_check(now: datetime | None = None) -> list[FraudAlert]:
    """Raise every alert due on open letters this hour and the last; each once."""
    hour = hour_of(now or timezone.now())
    raised = []
    for letter in Letter.objects.filter(status=Status.OPEN).order_by("pk"):
        for start in (hour - HOUR, hour):
            raised += letter_alerts(letter, start)
    return raised


def letter_alerts(letter: Letter, start: datetime) -> list[FraudAlert]:
    """The alerts one letter's hour starting at `start` calls for, raised once each."""
    threshold = settings.FRAUD_ALERT_THRESHOLD
    made = Signature.objects.filter(
        letter=letter, created_at__gte=start, created_at__lt=start + HOUR
    )
    total = made.count()
    if total < threshold:
        return []
    raised = []
    for grouping, field in FIELDS.items():
        groups = (
            made.exclude(**{field: ""})
            .values_list(field)
            .annotate(n=Count("pk"))
            .filter(n__gte=threshold)
            .order_by()
        )
        for key, n in groups:
            if grouping == Grouping.DOMAIN and (is_common_domain(key) or proves_addresses(letter)):
                # A public mail provider is a large share of any letter; on a letter for
                # proven addresses, a few domains are all of it.
                continue
            if n > settings.FRAUD_ALERT_SHARE * total:
                alert = alert_raise(letter, grouping, key, start, signatures=n, of=total)
                if alert is not None:
                    raised.append(alert)
    return raised


def alert_raise(
    letter: Letter, grouping: Grouping, key: str, hour: datetime, *, signatures: int, of: int
) -> FraudAlert | None:
    """Record the alert and queue its email in one transaction; None if it was raised
    already, by an earlier round or another worker's."""
    try:
        with transaction.atomic():
            alert = FraudAlert.objects.create(
                letter=letter,
                grouping=grouping,
                key=key,
                hour=hour,
                signatures=signatures,
                letter_signatures=of,
            )
            notify_fraud_alert.enqueue(alert.pk)
    except IntegrityError:
        return None
    return alert


@task()
def notify_fraud_alert(alert_id: int, attempt: int = 1) -> None:
    """Tell each member who may moderate the letter, once."""
    alert = (
        FraudAlert.objects.select_related("letter", "letter__organisation")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        return
    letter = alert.letter
    members = members_who_may(letter.organisation, Action.MODERATE)
    context = {
        "alert": alert,
        "letter": letter,
        "label": alert.label,
        "share": round(alert.share * 100),
        "moderation_url": settings.BASE_URL
        + reverse("letter_moderation", kwargs={"slug": letter.slug}),
    }
    try:
        messages_send_once(
            (
                f"fraud_alert:{alert.pk}:{member.user_id}",
                message_build(
                    "moderation/email/fraud_alert", to=member.user.email, context=context
                ),
            )
            for member in members
            if member.user.email
        )
    except TemporaryFailure:
        if attempt > len(RETRY_DELAYS):
            raise
        logger.warning("Fraud alert %s not sent on try %d; trying again later.", alert_id, attempt)
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        notify_fraud_alert.using(run_after=run_after).enqueue(alert_id, attempt=attempt + 1)


def alerts_forget() -> int:
    """Delete the alerts of hours past the fraud window (FRAUD_WINDOW_DAYS): a subnet's
    alert holds its keyed hash, which is kept no longer than the signatures' own."""
    before = timezone.now() - timedelta(days=settings.FRAUD_WINDOW_DAYS)
    deleted, _ = FraudAlert.objects.filter(hour__lt=before).delete()
    return deleted


@task()
def fraud_alerts_round() -> None:
    alerts_check()
    alerts_forget()
    recurring_next(fraud_alerts_round, every=_interval())


def fraud_alerts_schedule() -> None:
    """Start the fraud alerts round unless one is already under way (a worker starts)."""
    recurring_start(fraud_alerts_round, every=_interval())


def _interval() -> timedelta:
    return timedelta(seconds=settings.FRAUD_ALERT_CHECK_SECONDS)
