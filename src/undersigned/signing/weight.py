"""A letter's weight as the public sees it: how many signed, how many are verified, from
which institutions, and whether names may show yet.

Every number that leaves here for the public goes through the letter's count steps
(Letter.shown_number, Letter.stepped), so one new signature cannot be tied to one person.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from undersigned.letters.models import Eligibility, Letter

from .counts import Tally, letter_tallies, letter_tallies_fresh, letter_tally_fresh
from .models import Level, Signature


@dataclass(frozen=True)
class Weight:
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


def letter_weight(letter: Letter) -> Weight:
    return letter_weights([letter])[letter.pk]


def letter_weights(letters: Sequence[Letter]) -> dict[int, Weight]:
    """The weight of several letters in a constant number of queries, most of them cached.

    Where a letter has a reveal threshold, its tally is read fresh, never from the cache,
    so names cannot show before N verified people have signed or after withdrawals take
    it below; the fresh tally then also gives the numbers shown beside it.
    """
    fresh = letter_tallies_fresh([letter.pk for letter in letters if letter.reveal_threshold])
    cached = letter_tallies([letter.pk for letter in letters if letter.pk not in fresh])
    tallies = {**cached, **fresh}
    institutions = _institutions(tallies)
    return {
        letter.pk: Weight(
            letter=letter,
            total=tallies[letter.pk].total,
            verified=tallies[letter.pk].verified,
            institutions=institutions[letter.pk],
            names_revealed=_names_revealed(letter, tallies[letter.pk]),
        )
        for letter in letters
    }


def _names_revealed(letter: Letter, tally: Tally) -> bool:
    return not letter.reveal_threshold or tally.verified >= letter.reveal_threshold


def names_revealed(letter: Letter) -> bool:
    """Whether any signature of this letter may be shown, decided on the stored tally."""
    if not letter.reveal_threshold:
        return True
    return _names_revealed(letter, letter_tally_fresh(letter.pk))


def _cache_key(letter_id: int, tally: Tally) -> str:
    # Keyed by the tally too: a confirmation or a withdrawal changes the tally, and with it
    # the key, so the breakdown is never older than the count it is shown beside.
    return f"institutions:{letter_id}:{tally.total}:{tally.verified}"


def _institutions(tallies: dict[int, Tally]) -> dict[int, tuple[tuple[str, int], ...]]:
    keys = {letter_id: _cache_key(letter_id, tally) for letter_id, tally in tallies.items()}
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
            timeout=settings.COUNT_CACHE_SECONDS,
        )
        found.update(stored)
    return found


def _stored_institutions(letter_ids: list[int]) -> dict[int, tuple[tuple[str, int], ...]]:
    rows = (
        Signature.objects.counted()
        .filter(letter_id__in=letter_ids, level=Level.VERIFIED)
        .exclude(institution="")
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


def shown(letter: Letter, number: int, singular: str, plural: str) -> Shown:
    text = letter.shown_number(number)
    return Shown(text, singular if text == "1" else plural)


def count_line(weight: Weight) -> list[Shown]:
    """ "2,739 signatures · 512 verified academics · 143 institutions", in pieces.

    Letters for listed domains say "verified employees" and name no institutions. A
    letter anyone may sign mentions verified academics only once there are some to show.
    """
    letter = weight.letter
    line = [shown(letter, weight.total, "signature", "signatures")]
    if letter.eligibility == Eligibility.DOMAINS:
        line.append(shown(letter, weight.verified, "verified employee", "verified employees"))
    elif letter.eligibility == Eligibility.ACADEMIC or letter.stepped(weight.verified):
        line.append(shown(letter, weight.verified, "verified academic", "verified academics"))
        line.append(shown(letter, weight.institution_count, "institution", "institutions"))
    return line
