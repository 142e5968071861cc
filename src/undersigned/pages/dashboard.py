"""What an organiser's dashboard shows: their organisations, their role, and the letters."""

from dataclasses import dataclass

from undersigned.accounts.factors import has_second_factor
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.organisations.access import Action, may
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing.counts import letter_counts


@dataclass(frozen=True)
class LetterRow:
    letter: Letter
    count: str  # as the public sees it, in the letter's steps if it has them


@dataclass(frozen=True)
class DashboardEntry:
    organisation: Organisation
    role: Role
    letters: list[LetterRow]
    # The organisation requires a second factor the member has not set up: its letters
    # are not listed, and every page of it sends them to set one up.
    needs_second_factor: bool = False

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
    has_factor = has_second_factor(user)
    entries = []
    for membership in memberships:
        locked = membership.organisation.require_mfa and not has_factor
        rows = [
            LetterRow(letter, letter.shown_number(counts[letter.pk].total))
            for letter in letters
            if letter.organisation_id == membership.organisation_id and not locked
        ]
        entries.append(DashboardEntry(membership.organisation, Role(membership.role), rows, locked))
    return entries
