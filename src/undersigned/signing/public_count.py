"""A letter's count as the public sees it: how many signed, how many are verified, from
which institutions, and whether names may show yet.

Every number that leaves here for the public goes through the letter's count steps
(Letter.shown_number, Letter.stepped), so one new signature cannot be tied to one person.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import ngettext

from undersigned.letters.models import Eligibility, Letter

from .counts import LetterCount, letter_count_fresh, letter_counts, letter_counts_fresh
from .models import Signature


@dataclass(frozen=True)
class PublicCount:
    letter: Letter
    total: int
    verified: int
    # (institution, counted signatures), most first, then by name.
    institutions: tuple[tuple[str, int], ...]
    names_revealed: bool

    @property
    def institution_count(self) -> int:
        return len(self.institutions)

    def signatures_from(self, institution: str) -> int:
        return dict(self.institutions).get(institution, 0)

    @property
    def shown_total(self) -> int:
        """The total in the letter's steps: what a progress bar may fill to."""
        return self.letter.stepped(self.total)

    @property
    def progress(self) -> int | None:
        """How far to the goal, in per cent of it, at most 100; None without a goal."""
        goal = self.letter.goal
        return min(100, round(100 * self.shown_total / goal)) if goal else None


def public_count(letter: Letter) -> PublicCount:
    return public_counts([letter])[letter.pk]


def public_counts(letters: Sequence[Letter]) -> dict[int, PublicCount]:
    """The public count of several letters in a constant number of queries, most of them cached.

    Where a letter has a reveal threshold, its count is read fresh, never from the cache,
    so names cannot show before N verified people have signed or after withdrawals take
    it below; the fresh count then also gives the numbers shown beside it.
    """
    fresh = letter_counts_fresh([letter.pk for letter in letters if letter.reveal_threshold])
    cached = letter_counts([letter.pk for letter in letters if letter.pk not in fresh])
    counts = {**cached, **fresh}
    institutions = _institutions(counts)
    return {
        letter.pk: PublicCount(
            letter=letter,
            total=counts[letter.pk].total,
            verified=counts[letter.pk].verified,
            institutions=institutions[letter.pk],
            names_revealed=_names_revealed(letter, counts[letter.pk]),
        )
        for letter in letters
    }


def _names_revealed(letter: Letter, count: LetterCount) -> bool:
    return not letter.reveal_threshold or count.verified >= letter.reveal_threshold


def names_revealed(letter: Letter) -> bool:
    """Whether any signature of this letter may be shown, decided on the stored count."""
    if not letter.reveal_threshold:
        return True
    return _names_revealed(letter, letter_count_fresh(letter.pk))


def _cache_key(letter_id: int, count: LetterCount) -> str:
    # Keyed by the verified count: a verification or a withdrawal of a verified signature
    # changes it, and with it the key, so the breakdown moves with the verified count shown
    # beside it; plain signatures, a surge's millions, leave it as it is.
    return f"institutions:{letter_id}:{count.verified}"


def _institutions(counts: dict[int, LetterCount]) -> dict[int, tuple[tuple[str, int], ...]]:
    keys = {letter_id: _cache_key(letter_id, count) for letter_id, count in counts.items()}
    cached = cache.get_many(list(keys.values()))
    found = {
        letter_id: tuple((name, n) for name, n in cached[key])
        for letter_id, key in keys.items()
        if key in cached
    }
    missing = [letter_id for letter_id in keys if letter_id not in found]
    if missing:
        stored = _stored_institutions(missing)
        cache.set_many(
            {keys[letter_id]: list(stored[letter_id]) for letter_id in missing},
            timeout=settings.COUNT_CACHE_SECONDS * 60,  # exact for its key; see _cache_key
        )
        found.update(stored)
    return found


def _stored_institutions(letter_ids: list[int]) -> dict[int, tuple[tuple[str, int], ...]]:
    rows = (
        Signature.objects.verified()
        # "> ''" rather than "<> ''": the index on (letter, institution) then skips the
        # signatures with no institution, however many millions a petition has.
        .filter(letter_id__in=letter_ids, institution__gt="")
        .values_list("letter_id", "institution")
        .annotate(n=Count("pk"))
    )
    grouped: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for letter_id, institution, n in rows:
        grouped[letter_id].append((institution, n))
    return {
        letter_id: tuple(sorted(grouped[letter_id], key=lambda row: (-row[1], row[0])))
        for letter_id in letter_ids
    }


@dataclass(frozen=True)
class Shown:
    """A number as the public sees it, with its noun: "150+" "signatures"."""

    number: str
    label: str

    def __str__(self) -> str:
        return f"{self.number} {self.label}"


# Each noun a count is shown with, its plural chosen by the language's own rules (gettext).
NOUNS: dict[str, Callable[[int], str]] = {
    "signature": lambda n: ngettext("signature", "signatures", n),
    "verified employee": lambda n: ngettext("verified employee", "verified employees", n),
    "verified academic": lambda n: ngettext("verified academic", "verified academics", n),
    "verified person": lambda n: ngettext("verified person", "verified people", n),
    "institution": lambda n: ngettext("institution", "institutions", n),
}


def shown(letter: Letter, number: int, noun: str) -> Shown:
    """A number in the letter's steps, with its noun in the form that number takes: the
    plural of "150+" is that of 150, and of "fewer than 5" that of 5."""
    stepped = letter.stepped(number)
    basis = stepped if stepped or not letter.count_step else letter.count_step
    return Shown(letter.shown_number(number), NOUNS[noun](basis))


def count_line(count: PublicCount) -> list[Shown]:
    """ "2,739 signatures · 512 verified academics · 143 institutions", in pieces.

    Letters for listed domains say "verified employees" and name no institutions. A
    letter anyone may sign mentions verified academics only once there are some to show.
    """
    letter = count.letter
    line = [shown(letter, count.total, "signature")]
    if letter.eligibility == Eligibility.DOMAINS:
        line.append(shown(letter, count.verified, "verified employee"))
    elif letter.eligibility == Eligibility.ACADEMIC or letter.stepped(count.verified):
        line.append(shown(letter, count.verified, "verified academic"))
        line.append(shown(letter, count.institution_count, "institution"))
    return line
