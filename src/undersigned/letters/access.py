"""A letter as its organisation's members reach it from the organiser pages."""

from django.shortcuts import get_object_or_404

from undersigned.organisations.access import Action, OrganiserRequest, require, role_or_404
from undersigned.organisations.models import Role

from .models import Letter


def letter_for_member(
    request: OrganiserRequest, slug: str, action: Action | None = None
) -> tuple[Letter, Role]:
    """The letter and the member's role: 404 for anyone outside its organisation, 403
    where an action is named and the role does not allow it (organisations.access)."""
    letter = get_object_or_404(Letter.objects.select_related("organisation"), slug=slug)
    role = role_or_404(request.user, letter.organisation)
    if action is not None:
        require(role, action)
    return letter, role
