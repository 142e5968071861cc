"""The daily digest round: once a day is over, each organisation with a member who asked
for the digest has the day claimed (DigestDay) and its sending queued in one transaction,
and the sending task mails each such member once (a key per organisation, day and member).

The round comes back every hour, so a worker that was down at midnight sends the day's
digest when it starts again, and every later round of the day finds the day claimed.
"""

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from undersigned.accounts.factors import has_second_factor
from undersigned.background.recurring import recurring_next, recurring_start
from undersigned.mail.messages import (
    RETRY_DELAYS,
    TemporaryFailure,
    message_build,
    messages_send_once,
)
from undersigned.organisations.access import Action, may, members_who_may
from undersigned.organisations.models import Membership, Organisation, Role

from .digest import Digest, digest_of
from .models import DigestDay

logger = logging.getLogger(__name__)

DIGEST_CHECK_INTERVAL = timedelta(hours=1)
# How long a claimed day is kept: long past any round that could still claim it again.
DIGEST_DAYS_KEPT = timedelta(days=30)
# An email robots should not answer (vacation notices): RFC 3834.
HEADERS = {"Auto-Submitted": "auto-generated"}


def day_window(day: date) -> tuple[datetime, datetime]:
    """The day from midnight to midnight, in the site's time zone (TIME_ZONE)."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(day, time.min, tzinfo=zone)
    return since, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def digests_queue(now: datetime | None = None) -> list[DigestDay]:
    """Claim yesterday for every organisation that has a member who asked for its digest
    and queue its sending, each in one transaction; the days claimed this time. Days
    claimed more than DIGEST_DAYS_KEPT ago are forgotten: no round asks for them again."""
    day = timezone.localdate(now or timezone.now()) - timedelta(days=1)
    organisations = (
        Organisation.objects.filter(memberships__daily_digest=True)
        .exclude(digest_days__day=day)
        .distinct()
        .order_by("pk")
    )
    DigestDay.objects.filter(day__lt=day - DIGEST_DAYS_KEPT).delete()
    claimed = []
    for organisation in organisations:
        try:
            with transaction.atomic():
                digest_day = DigestDay.objects.create(organisation=organisation, day=day)
                send_digest.enqueue(organisation.pk, day.isoformat())
        except IntegrityError:
            continue  # another worker's round claimed it a moment ago
        claimed.append(digest_day)
    return claimed


def digest_readers(organisation: Organisation) -> list[Membership]:
    """The members who asked for the digest and may read the organisation's dashboard:
    where it requires a second factor, only those who have one set up."""
    members = members_who_may(organisation, Action.VIEW).filter(daily_digest=True).order_by("pk")
    return [
        member
        for member in members
        if member.user.email and (not organisation.require_mfa or has_second_factor(member.user))
    ]


def digest_context(digest: Digest, member: Membership) -> dict[str, object]:
    can_moderate = may(Role(member.role), Action.MODERATE)
    letters = [
        {
            "entry": entry,
            "url": settings.BASE_URL
            + (
                entry.letter.get_absolute_url()
                if entry.letter.is_public
                else reverse("letter_preview", kwargs={"slug": entry.letter.slug})
            ),
            "moderation_url": settings.BASE_URL
            + reverse("letter_comments", kwargs={"slug": entry.letter.slug})
            if can_moderate and entry.comments_waiting
            else "",
        }
        for entry in digest.letters
    ]
    return {
        "digest": digest,
        "organisation": digest.organisation,
        "day": timezone.localdate(digest.since),
        "letters": letters,
        "dashboard_url": settings.BASE_URL + reverse("dashboard"),
    }


@task()
def send_digest(organisation_id: int, day: str, attempt: int = 1) -> None:
    """Mail the organisation's digest of the day to each member who asked for it, once;
    nothing if nothing happened that day."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return
    digest = digest_of(organisation, *day_window(date.fromisoformat(day)))
    if not digest.is_news:
        return
    try:
        messages_send_once(
            (
                f"digest:{organisation.pk}:{day}:{member.user_id}",
                message_build(
                    "digests/email/digest",
                    to=member.user.email,
                    context=digest_context(digest, member),
                    headers=dict(HEADERS),
                ),
            )
            for member in digest_readers(organisation)
        )
    except TemporaryFailure:
        if attempt > len(RETRY_DELAYS):
            raise
        logger.warning("Digest %s of %s not sent on try %d.", day, organisation_id, attempt)
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        send_digest.using(run_after=run_after).enqueue(organisation_id, day, attempt=attempt + 1)


@task()
def digests_round() -> None:
    digests_queue()
    recurring_next(digests_round, every=DIGEST_CHECK_INTERVAL)


def digests_schedule() -> None:
    """Start the digests round unless one is already under way (a worker starts)."""
    recurring_start(digests_round, every=DIGEST_CHECK_INTERVAL)
