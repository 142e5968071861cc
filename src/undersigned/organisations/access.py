"""Who may see and change an organisation's things, as the organiser pages apply it.

Someone outside an organisation gets a 404 for anything of it: a draft's existence is
itself private. Members whose role does not allow an action get a 403. `PERMISSIONS` is
the one table of which role may do what; every organiser view asks `require`.
"""

from enum import Enum

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from undersigned.accounts.factors import has_second_factor
from undersigned.accounts.models import User

from .memberships import member_role
from .models import Membership, Organisation, Role


class Action(Enum):
    """What a member may do; its value, in English, names it in docs/teams.md and is
    translated where a refusal says it."""

    VIEW = gettext_noop("read the organisation's dashboard and its letters")
    EDIT = gettext_noop("write, publish and close letters")
    SEND_UPDATE = gettext_noop("write and send updates to signers")
    RECORD_RESPONSE = gettext_noop("record a target's response")
    DELIVER = gettext_noop("deliver a letter to its targets")
    EXPORT = gettext_noop("export a letter's signatories")
    MANAGE = gettext_noop("change the organisation's settings")
    MODERATE = gettext_noop("review signatures and comments, and act on fraud")
    READ_AUDIT = gettext_noop("read the organisation's audit log")


EVERY_ROLE = frozenset(Role)
OWNERS = frozenset({Role.OWNER})
EDITORS = frozenset({Role.OWNER, Role.EDITOR})
MODERATORS = frozenset({Role.OWNER, Role.MODERATOR})

# The one table of who may do what (docs/teams.md shows it). Owners may do everything;
# editors write; moderators review; viewers read.
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW: EVERY_ROLE,
    Action.EDIT: EDITORS,
    Action.SEND_UPDATE: EDITORS,
    Action.RECORD_RESPONSE: EDITORS,
    Action.DELIVER: OWNERS,
    Action.EXPORT: OWNERS,
    Action.MANAGE: OWNERS,
    Action.MODERATE: MODERATORS,
    Action.READ_AUDIT: OWNERS,
}
# The members of each role, as a refusal names them: "Only owners and editors may …".
MEMBERS = {
    Role.OWNER: gettext_lazy("owners"),
    Role.EDITOR: gettext_lazy("editors"),
    Role.MODERATOR: gettext_lazy("moderators"),
    Role.VIEWER: gettext_lazy("viewers"),
}


class OrganiserRequest(HttpRequest):
    """A request behind login_required: its user is an account, never anonymous."""

    user: User


class SecondFactorRequired(PermissionDenied):
    """The organisation requires a second factor of its members, and this one has none yet.
    The middleware sends them to set one up; without it, a plain 403."""

    def __init__(self, organisation: Organisation) -> None:
        super().__init__(
            _(
                "%(organisation)s asks its members to sign in with a second factor. Set up "
                "an authenticator app or a passkey here to open its pages."
            )
            % {"organisation": organisation.name}
        )


def role_or_404(user: User, organisation: Organisation, action: Action = Action.VIEW) -> Role:
    """The member's role: 404 for anyone outside the organisation, SecondFactorRequired
    where it requires a second factor the member has not set up, 403 where the role does
    not allow the action (by default reading: every member may)."""
    role = member_role(user, organisation)
    if role is None:
        raise Http404("No such organisation.")
    if organisation.require_mfa and not has_second_factor(user):
        raise SecondFactorRequired(organisation)
    require(role, action)
    return role


def members_who_may(organisation: Organisation, action: Action) -> QuerySet[Membership]:
    """The organisation's members whose role allows the action, with their accounts: whom
    an email about it goes to."""
    return Membership.objects.filter(
        organisation=organisation, role__in=PERMISSIONS[action]
    ).select_related("user")


def may(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]


def require(role: Role, action: Action) -> None:
    if not may(role, action):
        allowed = [str(MEMBERS[r]) for r in Role if r in PERMISSIONS[action]]
        raise PermissionDenied(
            _("Only %(members)s of the organisation may %(action)s.")
            % {"members": get_text_list(allowed, _("and")), "action": _(action.value)}
        )


def organisation_for_editor(request: OrganiserRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.EDIT)
    return organisation
