"""Who may see and change an organisation's things, as the organiser pages apply it.

Someone outside an organisation gets a 404 for anything of it: a draft's existence is
itself private. Members who may not edit get a 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from undersigned.accounts.models import User

from .memberships import member_role
from .models import EDITING_ROLES, Organisation, Role


class OrganiserRequest(HttpRequest):
    """A request behind login_required: its user is an account, never anonymous."""

    user: User


def role_or_404(user: User, organisation: Organisation) -> Role:
    role = member_role(user, organisation)
    if role is None:
        raise Http404("No such organisation.")
    return role


def require_editing(role: Role) -> None:
    if role not in EDITING_ROLES:
        raise PermissionDenied("Only owners and editors of the organisation may do this.")


def organisation_for_editor(request: OrganiserRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=slug)
    require_editing(role_or_404(request.user, organisation))
    return organisation
