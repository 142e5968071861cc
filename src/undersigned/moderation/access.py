"""Who may moderate a letter: the members of its organisation whose role allows it, and
the platform's moderators (accounts the operator made so, `User.is_moderator`), who may
moderate every letter."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from undersigned.letters.access import letter_for_member
from undersigned.letters.models import Letter
from undersigned.organisations.access import Action, OrganiserRequest


def letter_for_moderator(request: OrganiserRequest, slug: str) -> Letter:
    """The letter, for a platform moderator or a member allowed to moderate: 404 for anyone
    else outside the organisation, 403 for a member whose role does not allow it."""
    if request.user.is_moderator:
        return get_object_or_404(Letter.objects.select_related("organisation"), slug=slug)
    letter, _role = letter_for_member(request, slug, Action.MODERATE)
    return letter


def require_staff(request: OrganiserRequest) -> None:
    if not request.user.is_moderator:
        raise PermissionDenied(_("Only the platform's moderators see every letter's alerts."))
