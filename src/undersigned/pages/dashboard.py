"""What an organiser's dashboard shows: their organisations, their role, and the letters."""

from dataclasses import dataclass

from undersigned.accounts.factors import has_second_factor
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.moderation.models import Appeal
from undersigned.organisations.access import Action, may
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing.counts import letter_counts


@dataclass(frozen=True)
class LetterRow:
    letter: Letter
    count: str  # as the public sees it, in the letter's steps if it has them
    # A taken-down letter's appeal against its latest takedown, if one was made.
    appeal: Appeal | None = None


@dataclass(frozen=True)
class DashboardEntry:
    organisation: Organisation
    role: Role
    letters: list[LetterRow]
    # The organisation requires a second factor the member has not set up: its letters
    # are not listed, and every page of it sends them to set one up.
    needs_second_factor: bool = False
    # Whether the member asked for the organisation's daily digest (digests/).
    daily_digest: bool = False

    @property
    def can_edit(self) -> bool:
        return may(self.role, Action.EDIT)

    @property
    def can_moderate(self) -> bool:
        return may(self.role, Action.MODERATE)

    @property
    def can_export(self) -> bool:
        return may(self.role, Action.EXPORT)

    @property
    def can_manage(self) -> bool:
        return may(self.role, Action.MANAGE)

    @property
    def can_read_audit(self) -> bool:
        return may(self.role, Action.READ_AUDIT)


def dashboard_entries(user: User) -> list[DashboardEntry]:
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name", "organisation__pk")
    )
    letters = list(
        Letter.objects.filter(organisation__in=[m.organisation for m in memberships]).order_by(
            "-created_at", "-pk"
        )
    )
    counts = letter_counts([letter.pk for letter in letters])
    taken_down = {letter.pk: letter.taken_down_at for letter in letters if letter.taken_down_at}
    appeals = {
        appeal.letter_id: appeal
        for appeal in Appeal.objects.filter(letter__in=list(taken_down))
        if appeal.taken_down_at == taken_down[appeal.letter_id]
    }
    has_factor = has_second_factor(user)
    entries = []
    for membership in memberships:
        locked = membership.organisation.require_mfa and not has_factor
        rows = [
            LetterRow(letter, letter.shown_number(counts[letter.pk].total), appeals.get(letter.pk))
            for letter in letters
            if letter.organisation_id == membership.organisation_id and not locked
        ]
        entries.append(
            DashboardEntry(
                membership.organisation,
                Role(membership.role),
                rows,
                locked,
                daily_digest=membership.daily_digest,
            )
        )
    return entries
