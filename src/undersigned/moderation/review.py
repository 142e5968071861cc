"""The platform moderators' decisions on letters (docs/moderation.md): approving or
sending back a letter in review, dismissing reports or taking a letter down, and deciding
an organiser's appeal. Each is audited in its transaction and tells the organisation's
owners and editors by email (notify_organisers, queued in the same transaction)."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.letters import publishing
from undersigned.letters.models import Letter, Status, Takedown
from undersigned.mail.messages import (
    RETRY_DELAYS,
    TemporaryFailure,
    message_build,
    messages_send_once,
)
from undersigned.organisations.access import Action, members_who_may

from .models import Appeal, Report, ReportState

logger = logging.getLogger(__name__)

# The emails to organisers, one template set each under templates/moderation/email/.
NOTICES = ("letter_approved", "letter_rejected", "letter_taken_down", "appeal_decided")


def review_approve(*, letter: Letter, by: User, request: HttpRequest | None = None) -> Letter:
    """A letter in review opens for signatures."""
    if letter.status != Status.IN_REVIEW:
        raise ValidationError(_("Only a letter in review can be approved."), code="not_in_review")
    with transaction.atomic():
        publishing.letter_publish(letter=letter)
        _audit("letter.approve", letter, by, request)
        _notify(letter, "letter_approved")
    return letter


def review_reject(
    *, letter: Letter, by: User, note: str, request: HttpRequest | None = None
) -> Letter:
    """A letter in review goes back to its organisers as a draft, with the reason."""
    with transaction.atomic():
        publishing.letter_review_reject(letter=letter, note=note)
        _audit("letter.reject", letter, by, request, note=letter.review_note)
        _notify(letter, "letter_rejected")
    return letter


def report_make(*, letter: Letter, reason: str, note: str) -> Report:
    """A member of the public reports a public letter (the view rate-limits them)."""
    report = Report(letter=letter, reason=reason, note=note.strip())
    report.full_clean()
    report.save()
    return report


def reports_dismiss(*, letter: Letter, by: User, request: HttpRequest | None = None) -> int:
    """Dismiss every open report of the letter: it stays up."""
    with transaction.atomic():
        dismissed = _reports_close(letter, by, ReportState.DISMISSED)
        if dismissed:
            _audit("letter.reports_dismiss", letter, by, request, reports=dismissed)
    return dismissed


def takedown(
    *, letter: Letter, by: User, reason: str, request: HttpRequest | None = None
) -> Letter:
    """Take the letter down for `reason` (a Takedown category); its open reports are
    marked acted on."""
    with transaction.atomic():
        publishing.letter_take_down(letter=letter, reason=reason)
        acted = _reports_close(letter, by, ReportState.ACTED)
        _audit("letter.take_down", letter, by, request, reason=reason, reports=acted)
        _notify(letter, "letter_taken_down")
    return letter


def appeal_make(
    *, letter: Letter, by: User, text: str, request: HttpRequest | None = None
) -> Appeal:
    """The organisers' one appeal against the letter's takedown."""
    if letter.taken_down_at is None:
        raise ValidationError(_("Only a letter taken down can be appealed."), code="not_taken_down")
    appeal = Appeal(letter=letter, taken_down_at=letter.taken_down_at, text=text.strip(), by=by)
    appeal.full_clean(exclude=["letter", "by"], validate_unique=False)
    try:
        with transaction.atomic():
            appeal.save()
            _audit("letter.appeal", letter, by, request)
    except IntegrityError:
        raise ValidationError(
            _("This takedown was appealed already: a letter may be appealed once."),
            code="appealed",
        ) from None
    return appeal


def appeal_decide(
    *, appeal: Appeal, by: User, upheld: bool, request: HttpRequest | None = None
) -> Appeal:
    """Decide an appeal once: upheld puts the letter back up as it was; refused leaves it
    down."""
    letter = appeal.letter
    with transaction.atomic():
        now = timezone.now()
        deciding = Appeal.objects.filter(pk=appeal.pk, decided_at__isnull=True)
        if not deciding.update(decided_at=now, decided_by=by, upheld=upheld):
            raise ValidationError(_("This appeal was decided already."), code="decided")
        if upheld:
            publishing.letter_reinstate(letter=letter)
        _audit("letter.appeal_decide", letter, by, request, appeal=appeal.pk, upheld=upheld)
        _notify(letter, "appeal_decided", appeal=appeal.pk)
    appeal.refresh_from_db()
    return appeal


def _reports_close(letter: Letter, by: User, state: ReportState) -> int:
    return (
        Report.objects.open()
        .filter(letter=letter)
        .update(state=state, handled_by=by, handled_at=timezone.now())
    )


def _audit(
    action: str, letter: Letter, by: User, request: HttpRequest | None, **detail: object
) -> None:
    audit_record(
        action=action,
        actor=by,
        target=letter,
        organisation_id=letter.organisation_id,
        request=request,
        detail=detail,
    )


def _notify(letter: Letter, notice: str, appeal: int | None = None) -> None:
    # A stable key per decision: the task may run twice, the email goes once.
    key = f"{notice}:{letter.pk}:{timezone.now().timestamp()}"
    notify_organisers.enqueue(letter.pk, notice, key, appeal)


@task()
def notify_organisers(
    letter_id: int, notice: str, key: str, appeal_id: int | None = None, attempt: int = 1
) -> None:
    """Tell the letter's owners and editors what the platform's moderators decided, once."""
    letter = Letter.objects.select_related("organisation").filter(pk=letter_id).first()
    if letter is None or notice not in NOTICES:
        return
    context = {
        "letter": letter,
        "appeal": Appeal.objects.filter(pk=appeal_id).first() if appeal_id else None,
        "reason": Takedown(letter.takedown_reason).label if letter.takedown_reason else "",
        "dashboard_url": settings.BASE_URL + reverse("dashboard"),
        "letter_url": settings.BASE_URL + letter.get_absolute_url(),
    }
    members = members_who_may(letter.organisation, Action.EDIT)
    try:
        messages_send_once(
            (
                f"{key}:{member.user_id}",
                message_build(f"moderation/email/{notice}", to=member.user.email, context=context),
            )
            for member in members
            if member.user.email
        )
    except TemporaryFailure:
        if attempt > len(RETRY_DELAYS):
            raise
        logger.warning("Notice %s not sent on try %d; trying again later.", key, attempt)
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        notify_organisers.using(run_after=run_after).enqueue(
            letter_id, notice, key, appeal_id, attempt=attempt + 1
        )
