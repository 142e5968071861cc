"""Milestones: a letter's count reached its goal.

A round of the worker looks for them every MILESTONE_CHECK_SECONDS, reading the stored
counts of open letters with a goal, so a surge of confirmations does no extra work: the
round costs the same whether ten or ten thousand people signed since the last one.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from undersigned.background.recurring import recurring_next, recurring_start
from undersigned.letters.models import Letter, Status
from undersigned.mail.messages import message_build, messages_send_once
from undersigned.organisations.access import Action, members_who_may
from undersigned.signing.counts import letter_counts

from .models import Kind, Milestone, Update

# Goals rise through 1, 2.5 and 5 of each power of ten: 1,000 → 2,500 → 5,000 → 10,000.
STEPS = (10, 25, 50)


def next_goal(number: int) -> int:
    """The first step above `number`: 1,000 → 2,500, 2,600 → 5,000, 7 → 10."""
    scale = 1
    while True:
        for step in STEPS:
            goal = step * scale // 10
            if goal > number:
                return goal
        scale *= 10


def milestones_check() -> list[Milestone]:
    """Record every goal reached since the last round."""
    letters = list(
        Letter.objects.filter(status=Status.OPEN, goal__isnull=False).select_related("organisation")
    )
    counts = letter_counts([letter.pk for letter in letters])
    reached = []
    for letter in letters:
        assert letter.goal is not None
        total = counts[letter.pk].total
        if total >= letter.goal:
            milestone = milestone_reach(letter, total)
            if milestone is not None:
                reached.append(milestone)
    return reached


def milestone_reach(letter: Letter, total: int) -> Milestone | None:
    """Record the goal as reached, raise it if the letter says so, and draft an update for
    its editors to send (never sent by itself); None if another round recorded it."""
    goal = letter.goal
    assert goal is not None
    rises_to = next_goal(total) if letter.goal_rises else None
    try:
        with transaction.atomic():
            update = Update.objects.create(
                letter=letter,
                kind=Kind.MILESTONE,
                subject=_("%(goal)s people have signed “%(title)s”")
                % {"goal": f"{goal:,}", "title": letter.title},
                body=_milestone_body(goal, rises_to),
            )
            milestone = Milestone.objects.create(
                letter=letter,
                goal=goal,
                next_goal=rises_to,
                reached_at=timezone.now(),
                update=update,
            )
            if rises_to is not None:
                Letter.objects.filter(pk=letter.pk, goal=goal).update(goal=rises_to)
            letter.story_changed()
            notify_milestone.enqueue(milestone.pk)
    except IntegrityError:
        return None
    if rises_to is not None:
        letter.goal = rises_to
    return milestone


def _milestone_body(goal: int, rises_to: int | None) -> str:
    lines = [
        _("Thank you: together we reached our goal of %(goal)s signatures.")
        % {"goal": f"{goal:,}"},
        "",
    ]
    if rises_to:
        lines.append(
            _("Our next goal is %(goal)s. Please share the letter with one more person.")
            % {"goal": f"{rises_to:,}"}
        )
    return "\n".join(lines)


@task()
def notify_milestone(milestone_id: int) -> None:
    """Tell the members who may send its update (owners and editors), once each."""
    milestone = (
        Milestone.objects.select_related("letter", "letter__organisation", "update")
        .filter(pk=milestone_id)
        .first()
    )
    if milestone is None:
        return
    letter = milestone.letter
    members = members_who_may(letter.organisation, Action.SEND_UPDATE)
    context = {
        "milestone": milestone,
        "letter": letter,
        "update_url": settings.BASE_URL
        + reverse("update_organiser", kwargs={"pk": milestone.update_id}),
    }
    messages_send_once(
        (
            f"milestone:{milestone.pk}:{member.user_id}",
            message_build("updates/email/milestone", to=member.user.email, context=context),
        )
        for member in members
        if member.user.email
    )


@task()
def milestones_round() -> None:
    milestones_check()
    recurring_next(milestones_round, every=_interval())


def milestones_schedule() -> None:
    """Start the milestones round unless one is already under way (a worker starts)."""
    recurring_start(milestones_round, every=_interval())


def _interval() -> timedelta:
    return timedelta(seconds=settings.MILESTONE_CHECK_SECONDS)
