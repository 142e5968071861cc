"""What the home page says about each public letter: its targets, its count and its goal."""

from dataclasses import dataclass

from undersigned.letters.models import Letter, Target
from undersigned.signing.public_count import PublicCount, Shown, count_line, public_counts


@dataclass(frozen=True)
class LetterCard:
    letter: Letter
    targets: list[Target]
    count: PublicCount
    count_line: list[Shown]  # in the letter's count steps, as on its own page


def letter_cards() -> list[LetterCard]:
    """Every public letter, newest first, in a constant number of queries."""
    letters = list(
        Letter.objects.public()
        .filter(taken_down_at__isnull=True)
        .select_related("organisation")
        .prefetch_related("targets")
        .order_by("-published_at", "-pk")
    )
    counts = public_counts(letters)
    return [
        LetterCard(
            letter=letter,
            targets=list(letter.targets.all()),
            count=counts[letter.pk],
            count_line=count_line(counts[letter.pk]),
        )
        for letter in letters
    ]
