from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from undersigned.accounts.adapter import INVITATION_NEXT_KEY, INVITATION_SESSION_KEY
from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.audit.models import AuditEntry

from . import invitations
from .access import Action, OrganiserRequest, may, role_or_404
from .forms import InvitationForm, OrganisationForm, OrganisationSettingsForm, RoleForm
from .memberships import organisation_create
from .models import Invitation, Membership, Organisation, Role

# How many of the latest changes of members the members page shows its owners.
CHANGES_SHOWN = 10


@login_required
@never_cache
def organisation_new(request: OrganiserRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        with transaction.atomic():
            organisation = organisation_create(
                name=form.cleaned_data["name"],
                contact_email=form.cleaned_data["contact_email"],
                owner=request.user,
            )
            _audit(request, "organisation.create", organisation)
        messages.success(
            request,
            _("%(organisation)s is ready. Write its first letter.")
            % {"organisation": organisation.name},
        )
        return redirect("dashboard")
    return render(request, "organisations/organisation_form.html", {"form": form})


@login_required
@never_cache
def organisation_settings(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.MANAGE)
    form = OrganisationSettingsForm(
        request.POST if request.method == "POST" else None,
        instance=organisation,
        user=request.user,
    )
    if form.is_valid():
        with transaction.atomic():
            form.save()
            detail: dict[str, object] = {"fields": form.changed_data}
            if "require_mfa" in form.changed_data:
                # Who turned a second factor on or off for everyone is what a reader looks for.
                detail["require_mfa"] = organisation.require_mfa
            _audit(request, "organisation.settings", organisation, **detail)
        messages.success(request, _("Saved."))
        return redirect("dashboard")
    context = {"form": form, "organisation": organisation}
    return render(request, "organisations/organisation_form.html", context)


@login_required
@never_cache
def organisation_members(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    role = role_or_404(request.user, organisation)
    return _members_page(request, organisation, role, InvitationForm())


def _members_page(
    request: OrganiserRequest,
    organisation: Organisation,
    role: Role,
    invitation_form: InvitationForm,
    status: int = 200,
) -> HttpResponse:
    manages = may(role, Action.MANAGE)
    open_invitations = (
        list(
            Invitation.objects.live()
            .filter(organisation=organisation)
            .select_related("invited_by")
            .order_by("-created_at")
        )
        if manages
        else []
    )
    reads_audit = may(role, Action.READ_AUDIT)
    log = AuditEntry.objects.of_organisation(organisation.pk)
    context = {
        "organisation": organisation,
        "role": role,
        "manages": manages,
        "members": Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__email"),
        "invitations": open_invitations,
        "emailed": invitations.invitations_emailed(open_invitations),
        "invitation_form": invitation_form,
        "roles": Role.choices,
        "changes": log.filter(action__startswith="member.")[:CHANGES_SHOWN] if reads_audit else [],
        "can_read_audit": reads_audit,
        "invitation_days": settings.INVITATION_DAYS,
    }
    return render(request, "organisations/members.html", context, status=status)


@login_required
@require_POST
def organisation_invite(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    role = role_or_404(request.user, organisation, Action.MANAGE)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitations.invitation_make(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            if invitation.pk in invitations.invitations_emailed([invitation]):
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
            else:
                messages.warning(
                    request,
                    _(
                        "The invitation to %(email)s is made, but its email did not go "
                        "out. Invite the address again to send a new one."
                    )
                    % {"email": invitation.email},
                )
            return redirect("organisation_members", slug=organisation.slug)
    return _members_page(request, organisation, role, form, status=400)


@login_required
@require_POST
def organisation_invitation_revoke(
    request: OrganiserRequest, slug: str, invitation_id: int
) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.MANAGE)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organisation=organisation)
    try:
        invitations.invitation_revoke(invitation=invitation, by=request.user, request=request)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
        )
    return redirect("organisation_members", slug=organisation.slug)


@login_required
@require_POST
def organisation_member_role(
    request: OrganiserRequest, slug: str, membership_id: int
) -> HttpResponse:
    organisation, membership = _managed_membership(request, slug, membership_id)
    form = RoleForm(request.POST)
    role = form.cleaned_data["role"] if form.is_valid() else ""
    try:
        changed = invitations.member_role_change(
            membership=membership, role=role, by=request.user, request=request
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        phrase = invitations.role_phrase(changed.role)
        messages.success(
            request,
            # Translators: "ana@example.org is now an editor."
            _("%(email)s is now %(role)s.") % {"email": membership.user.email, "role": phrase},
        )
    return redirect("organisation_members", slug=organisation.slug)


@login_required
@require_POST
def organisation_member_remove(
    request: OrganiserRequest, slug: str, membership_id: int
) -> HttpResponse:
    organisation, membership = _managed_membership(request, slug, membership_id)
    try:
        invitations.member_remove(membership=membership, by=request.user, request=request)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, _("%(email)s is no longer a member.") % {"email": membership.user.email}
        )
        if membership.user_id == request.user.pk:
            return redirect("dashboard")
    return redirect("organisation_members", slug=organisation.slug)


@login_required
@require_POST
def organisation_leave(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation)
    membership = get_object_or_404(Membership, organisation=organisation, user=request.user)
    try:
        invitations.member_leave(membership=membership, request=request)
    except ValidationError as error:
        _errors(request, error)
        return redirect("organisation_members", slug=organisation.slug)
    messages.success(
        request, _("You have left %(organisation)s.") % {"organisation": organisation.name}
    )
    return redirect("dashboard")


@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation's link: who invites the visitor to what, and the way in. An anonymous
    visitor signs up or signs in and comes back here; a signed-in one accepts."""
    found = invitations.invitation_for_token(token)
    if found is None:
        unknown = {"problem": _("This invitation link is not valid. Check that it is whole.")}
        return render(request, "organisations/invitation.html", unknown, status=404)
    problem = invitations.invitation_problem(found)
    if problem:
        return render(request, "organisations/invitation.html", {"problem": problem}, status=410)
    here = request.path
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(here)
        return _invitation_accept(request, token, found)
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = found.token_hash
        request.session[INVITATION_NEXT_KEY] = here
    user = request.user
    context: dict[str, object] = {
        "invitation": found,
        "organisation": found.organisation,
        "role": invitations.role_phrase(found.role),
        "member": isinstance(user, User)
        and Membership.objects.filter(organisation=found.organisation, user=user).exists(),
        "signup_url": reverse("account_signup") + "?" + urlencode({"next": here}),
        "login_url": reverse("account_login") + "?" + urlencode({"next": here}),
    }
    return render(request, "organisations/invitation.html", context)


def _invitation_accept(request: HttpRequest, token: str, found: Invitation) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        invitations.invitation_accept(token=token, user=request.user, request=request)
    except ValidationError as error:
        _errors(request, error)
        return redirect("invitation", token=token)
    request.session.pop(INVITATION_SESSION_KEY, None)
    request.session.pop(INVITATION_NEXT_KEY, None)
    phrase = invitations.role_phrase(found.role)
    messages.success(
        request,
        # Translators: "You have joined Open Streets Alliance as an editor."
        _("You have joined %(organisation)s as %(role)s.")
        % {"organisation": found.organisation.name, "role": phrase},
    )
    return redirect("dashboard")


def _managed_membership(
    request: OrganiserRequest, slug: str, membership_id: int
) -> tuple[Organisation, Membership]:
    """The organisation, for an owner, and one of its memberships: 404 otherwise."""
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.MANAGE)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organisation=organisation
    )
    return organisation, membership


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _audit(
    request: OrganiserRequest, action: str, organisation: Organisation, **detail: object
) -> None:
    audit_record(
        action=action,
        actor=request.user,
        target=organisation,
        organisation_id=organisation.pk,
        request=request,
        detail=detail,
    )
