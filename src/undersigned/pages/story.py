"""A campaign's story on its letter page, in order: published, milestones, updates,
delivered, answered.

It is read from five tables and renders a dozen chapters, which together cost more than the
rest of the page on PostgreSQL, and it changes a few times in a campaign: so it is rendered
once and cached under the letter's `story_version`, which every write that changes it
moves on (Letter.story_changed).
"""

import datetime
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from undersigned.deliveries.models import Delivery, Response
from undersigned.letters.models import Letter
from undersigned.signing.public_count import PublicCount
from undersigned.updates.models import Milestone, Update


@dataclass(frozen=True)
class Chapter:
    kind: str  # published, milestone, update, delivered, response
    at: datetime.datetime
    milestone: Milestone | None = None
    update: Update | None = None
    delivery: Delivery | None = None
    responses: list[Response] = field(default_factory=list)
    response: Response | None = None


@dataclass(frozen=True)
class Story:
    """The story as the letter page shows it: its sections rendered once, and what the
    count's box says of the latest milestone and delivery."""

    html: str  # the Updates section and "The campaign so far", or ""
    delivered_html: str  # the latest delivery's line, or ""
    delivered_total: int | None  # the count it delivered
    goal_reached: int | None  # the latest goal reached
    next_goal: int | None  # what that goal rose to, if it did
    since_delivery: str = ""  # "12" signatures since it, in the letter's steps; "" if none


# Bounds how long a story outlives a change made without Letter.story_changed (the admin).
STORY_SECONDS = 60


def letter_story(letter: Letter, count: PublicCount) -> Story:
    # Rendered in the page's language, so kept once per language.
    key = f"story:{letter.pk}:{letter.story_version}:{get_language()}"
    story: Story | None = cache.get(key)
    if story is None:
        story = _story(letter)
        cache.set(key, story, STORY_SECONDS)
    if story.delivered_total is None:
        return story
    since = max(0, count.total - story.delivered_total)
    return replace(story, since_delivery=letter.shown_number(since) if since else "")


def _story(letter: Letter) -> Story:
    milestones = list(letter.milestones.all())
    updates = list(letter.updates.published())
    deliveries = list(
        Delivery.objects.delivered().filter(letter=letter).prefetch_related("targets")
    )
    responses = list(letter.responses.select_related("target"))
    chapters = []
    if letter.published_at:
        chapters.append(Chapter("published", letter.published_at))
    chapters += [Chapter("milestone", m.reached_at, milestone=m) for m in milestones]
    chapters += [Chapter("update", u.sent_at, update=u) for u in updates if u.sent_at]
    for delivery in deliveries:
        assert delivery.delivered_at is not None
        delivery.letter = letter
        answered = [r for r in responses if r.delivery_id == delivery.pk]
        chapters.append(
            Chapter("delivered", delivery.delivered_at, delivery=delivery, responses=answered)
        )
    delivered = {delivery.pk for delivery in deliveries}
    chapters += [
        Chapter("response", _noon(r.responded_on), response=r)
        for r in responses
        if r.delivery_id not in delivered
    ]
    chapters.sort(key=lambda chapter: chapter.at)
    latest = deliveries[-1] if deliveries else None
    milestone = milestones[0] if milestones else None
    context = {"letter": letter, "chapters": chapters, "updates": updates}
    # Rendered templates are safe strings, and stay so through the cache's pickling.
    return Story(
        html=render_to_string("letters/_story.html", context),
        delivered_html=render_to_string("letters/_delivered.html", {"delivery": latest})
        if latest
        else "",
        delivered_total=latest.total if latest else None,
        goal_reached=milestone.goal if milestone else None,
        next_goal=milestone.next_goal if milestone else None,
    )


def _noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
