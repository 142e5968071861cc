"""What an organisation's daily digest says: for each letter, the signatures confirmed in
the day, the comments and reports waiting for a moderator, and the goals reached.

Counts only: no signer's name, address or comment is in a digest, so nothing in it needs
the presenter, and forwarding one reveals no signer. A letter with count steps is given
only as its public count ("150+"), and makes a digest only when that moved: a day's exact
number could tie a signature to a person, which the steps exist to prevent.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from undersigned.letters.models import Letter
from undersigned.moderation.models import Report
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import letter_counts
from undersigned.signing.models import CommentState, Signature
from undersigned.updates.models import Milestone


@dataclass(frozen=True)
class LetterDigest:
    letter: Letter
    signatures: int  # counted signatures confirmed in the day
    total: int  # the letter's count now
    comments_waiting: int  # comments in the letter's comment queue, waiting, now
    reports_open: int  # public reports no moderator has handled yet, now
    reports_new: int  # of them, made in the day
    milestones: list[int] = field(default_factory=list)  # goals reached in the day

    @property
    def is_stepped(self) -> bool:
        """A letter with count steps: its organisers see the count as the public does, so
        the digest gives neither the day's exact number nor the exact total."""
        return bool(self.letter.count_step)

    @property
    def shown_total(self) -> str:
        return self.letter.shown_number(self.total)

    @property
    def step_moved(self) -> bool:
        """Whether the day's signatures moved the count as the public sees it."""
        before = max(self.total - self.signatures, 0)
        return self.letter.shown_number(before) != self.shown_total

    @property
    def is_news(self) -> bool:
        signed = self.step_moved if self.is_stepped else bool(self.signatures)
        return bool(signed or self.reports_new or self.milestones)

    @property
    def is_shown(self) -> bool:
        """News, or something still waiting for a moderator."""
        return self.is_news or bool(self.comments_waiting or self.reports_open)


@dataclass(frozen=True)
class Digest:
    organisation: Organisation
    since: datetime
    until: datetime
    letters: list[LetterDigest]  # the letters with something to say, newest first

    @property
    def is_news(self) -> bool:
        """Whether anything happened in the day. What merely still waits (comments, reports
        of earlier days) is shown with news but never sends a digest by itself: the day
        after nothing happened brings no email."""
        return any(letter.is_news for letter in self.letters)

    @property
    def signatures(self) -> int:
        """The day's new signatures on the letters without count steps: those with steps
        are never given exactly, not even in a sum."""
        return sum(letter.signatures for letter in self.letters if not letter.is_stepped)


def digest_of(organisation: Organisation, since: datetime, until: datetime) -> Digest:
    """The organisation's digest of [since, until): a handful of grouped counts, however
    many letters and signatures it has."""
    letters = list(organisation.letters.order_by("-created_at", "-pk"))
    ours = Signature.objects.filter(letter__organisation=organisation)
    signatures = _per_letter(ours.counted().filter(confirmed_at__gte=since, confirmed_at__lt=until))
    # As the comment queue counts them: what a moderator finds there.
    comments = _per_letter(ours.comments(CommentState.WAITING))
    reports = Report.objects.open().filter(letter__organisation=organisation)
    reports_open = _per_letter(reports)
    reports_new = _per_letter(reports.filter(created_at__gte=since, created_at__lt=until))
    milestones: dict[int, list[int]] = {}
    reached = Milestone.objects.filter(
        letter__organisation=organisation, reached_at__gte=since, reached_at__lt=until
    ).order_by("reached_at", "pk")
    for letter_id, goal in reached.values_list("letter_id", "goal"):
        milestones.setdefault(letter_id, []).append(goal)
    totals = letter_counts([letter.pk for letter in letters])
    entries = [
        LetterDigest(
            letter=letter,
            signatures=signatures[letter.pk],
            total=totals[letter.pk].total,
            comments_waiting=comments[letter.pk],
            reports_open=reports_open[letter.pk],
            reports_new=reports_new[letter.pk],
            milestones=milestones.get(letter.pk, []),
        )
        for letter in letters
    ]
    shown = [entry for entry in entries if entry.is_shown]
    return Digest(organisation=organisation, since=since, until=until, letters=shown)


def _per_letter(rows: QuerySet[Any]) -> Counter[int]:
    grouped = rows.order_by().values_list("letter_id").annotate(n=Count("pk"))
    return Counter({letter_id: n for letter_id, n in grouped})
