"""A letter as the pages reach it: any public letter for anyone, and any letter for its
organisation's members."""

import copy

from django.conf import settings
from django.shortcuts import get_object_or_404

from undersigned.lib.memo import Memo
from undersigned.organisations.access import Action, OrganiserRequest, role_or_404
from undersigned.organisations.models import Role

from .models import Letter
from .takedowns import LetterTakenDown

_public_letters: Memo[str, Letter] = Memo(lambda: settings.LETTER_CACHE_SECONDS)


def public_letter(slug: str) -> Letter:
    """An open, closed or delivered letter, with its organisation; 404 for a draft.

    Read at most once in LETTER_CACHE_SECONDS by each process, on the hot paths of a
    surge (the sign form, the count): a change of status shows within that time. Each
    caller gets a copy of its own, free to change. A taken-down letter raises
    LetterTakenDown, which every public page answers with its notice (takedowns.py).
    """
    kept = _public_letters.get(slug, lambda: _public_letter_read(slug))
    if kept.is_taken_down:
        raise LetterTakenDown(kept)
    letter = copy.copy(kept)
    letter.organisation = copy.copy(kept.organisation)
    return letter


def _public_letter_read(slug: str) -> Letter:
    queryset = Letter.objects.public().select_related("organisation")
    return get_object_or_404(queryset, slug=slug)


def letter_for_member(
    request: OrganiserRequest, slug: str, action: Action = Action.VIEW
) -> tuple[Letter, Role]:
    """The letter and the member's role: 404 for anyone outside its organisation, 403
    where the role does not allow the action (organisations.access; by default reading)."""
    letter = get_object_or_404(Letter.objects.select_related("organisation"), slug=slug)
    return letter, role_or_404(request.user, letter.organisation, action)
