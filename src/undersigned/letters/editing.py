"""Writes of the letter editor: a letter and its targets, keeping a published text's history."""

from collections.abc import Sequence

from django.db import transaction

from undersigned.lib.slugs import free_slug

from .models import Letter, LetterVersion, Target
from .publishing import letter_text_changed


def letter_save(
    *, letter: Letter, targets: Sequence[Target], removed: Sequence[Target] = ()
) -> LetterVersion | None:
    """Save a letter with its targets, in the order given.

    When the letter is already public and its text changed, a new version is kept and
    returned, so every signature still points at the text its signer saw.
    """
    letter.full_clean()
    with transaction.atomic():
        letter.save()
        for target in removed:
            if target.pk is not None:
                target.delete()
        for position, target in enumerate(targets):
            target.letter = letter
            target.position = position
            target.full_clean()
            target.save()
        return letter_text_changed(letter=letter)


def letter_free_slug(title: str, *, letter: Letter | None = None) -> str:
    """An unused slug made from the title, other than this letter's own."""
    others = Letter.objects.exclude(pk=letter.pk) if letter and letter.pk else Letter.objects.all()
    return free_slug(others, title, fallback="letter")
