"""Writes of the letter editor: a letter and its targets, keeping a published text's history."""

from collections.abc import Sequence

from django.db import transaction

from undersigned.lib.slugs import free_slug

from .models import Letter, LetterVersion, Target
from .publishing import letter_text_changed

# What the editor writes of an existing letter: every field a person may edit, less those
# that the letter's life sets (publishing.py).
EDITOR_FIELDS = [
    field.name
    for field in Letter._meta.concrete_fields
    if field.editable
    and not field.primary_key
    and field.name not in {"organisation", "status", "published_at", "text_changed_at"}
]


def letter_save(
    *, letter: Letter, targets: Sequence[Target], removed: Sequence[Target] = ()
) -> LetterVersion | None:
    """Save a letter with its targets, in the order given.

    When the letter is already public and its text changed, a new version is kept and
    returned, so every signature still points at the text its signer saw. An existing
    letter is saved in the editor's fields alone: its status, its review and its takedown
    belong to other writers (publishing.py), and a moderator's decision taken while the
    editor was open is kept.
    """
    letter.full_clean()
    with transaction.atomic():
        if letter.pk is None:
            letter.save()
        else:
            letter.save(update_fields=EDITOR_FIELDS)
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
