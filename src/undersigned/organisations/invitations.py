"""Invitations to join an organisation, and the changes of its members (docs/teams.md).

Each write is audited in its own transaction. An invitation's link carries a random token
that only the invited address receives: what the database keeps is a keyed hash of it, so
the email goes out from this process once the invitation is committed, never through a
task whose arguments would hold the token. An organisation always keeps an owner: the last
one can neither leave, be removed nor be made anything else.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.mail.messages import TemporaryFailure, message_build, message_send_once
from undersigned.mail.models import SentMessage

from .models import Invitation, Membership, Organisation, Role

logger = logging.getLogger(__name__)

EMAIL = "organisations/email/invitation"


def invitation_token_hash(token: str) -> str:
    return salted_hmac(
        "undersigned.organisations.invitation", token, algorithm="sha256"
    ).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, whatever its state (None for no such token)."""
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def role_phrase(role: str) -> str:
    """ "an editor", "a viewer": a role as a sentence names it."""
    phrases = {
        Role.OWNER: _("an owner"),
        Role.EDITOR: _("an editor"),
        Role.MODERATOR: _("a moderator"),
        Role.VIEWER: _("a viewer"),
    }
    return phrases[Role(role)]


def invitation_problem(invitation: Invitation) -> str:
    """Why the invitation can no longer be accepted, in the invitee's words; "" if it can."""
    if invitation.accepted_at is not None:
        return _("This invitation has been used already: each link works once.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn by an owner of the organisation.")
    if invitation.is_expired:
        return _("This invitation has expired. Ask an owner of the organisation for a new one.")
    return ""


def invitation_make(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    by: User,
    request: HttpRequest | None = None,
) -> Invitation:
    """Invite an address to join with a role, replacing the address's open invitation, and
    email it the link once the invitation is committed."""
    email = User.objects.normalize_email(email.strip())
    validate_email(email)
    if role not in Role.values:
        raise ValidationError(_("Choose one of the roles."), code="role")
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            if _is_member(organisation, email):
                raise ValidationError(
                    _("%(email)s is a member already.") % {"email": email}, code="member"
                )
            replaced = list(
                Invitation.objects.filter(
                    organisation=organisation,
                    email__iexact=email,
                    accepted_at__isnull=True,
                    revoked_at__isnull=True,
                ).values_list("pk", flat=True)
            )
            Invitation.objects.filter(pk__in=replaced).update(revoked_at=timezone.now())
            invitation = Invitation(
                organisation=organisation,
                email=email,
                role=role,
                token_hash=invitation_token_hash(token),
                invited_by=by,
                expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
            )
            invitation.full_clean()
            invitation.save()
            _audit(
                "member.invite", by, invitation, request, email=email, role=role, replaced=replaced
            )
            transaction.on_commit(lambda: _invitation_email_send(invitation, token))
    except IntegrityError:
        # Two owners invited the same address at once; the other invitation stands.
        raise ValidationError(
            _("%(email)s was invited a moment ago by someone else: see the open invitations.")
            % {"email": email},
            code="invited",
        ) from None
    return invitation


def _is_member(organisation: Organisation, email: str) -> bool:
    # Any address of the account counts, not only its main one.
    return (
        Membership.objects.filter(organisation=organisation)
        .filter(Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email))
        .exists()
    )


def _invitation_email_send(invitation: Invitation, token: str) -> None:
    """The email with the link; a relay that cannot take it now is logged, and the owner
    sees on the members page that the email did not go (invitation_email_sent)."""
    link = settings.BASE_URL + reverse("invitation", kwargs={"token": token})
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "role": role_phrase(invitation.role),
        "invited_by": invitation.invited_by,
        "invitation_url": link,
    }
    message = message_build(EMAIL, to=invitation.email, context=context)
    try:
        message_send_once(message, key=_email_key(invitation))
    except TemporaryFailure:
        logger.warning("Invitation %s not emailed: the relay did not take it.", invitation.pk)


def _email_key(invitation: Invitation) -> str:
    return f"invitation:{invitation.pk}"


def invitations_emailed(invitations: list[Invitation]) -> set[int]:
    """Which of these invitations' emails the relay took."""
    keys = {_email_key(invitation): invitation.pk for invitation in invitations}
    sent = SentMessage.objects.filter(key__in=keys, sent_at__isnull=False)
    return {keys[key] for key in sent.values_list("key", flat=True)}


def invitation_revoke(
    *, invitation: Invitation, by: User, request: HttpRequest | None = None
) -> Invitation:
    """Withdraw an open invitation: its link stops working."""
    with transaction.atomic():
        now = timezone.now()
        open_ = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        )
        if not open_.update(revoked_at=now):
            raise ValidationError(_("This invitation is no longer open."), code="not_open")
        invitation.revoked_at = now
        _audit("member.invite_revoke", by, invitation, request, email=invitation.email)
    return invitation


def invitation_accept(*, token: str, user: User, request: HttpRequest | None = None) -> Membership:
    """Join the organisation with the invitation's role. The account's address need not be
    the invited one (people sign up with another), so who accepted is recorded."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."), code="unknown")
    if problem := invitation_problem(invitation):
        raise ValidationError(problem, code="not_open")
    organisation = invitation.organisation
    with transaction.atomic():
        if Membership.objects.filter(organisation=organisation, user=user).exists():
            raise ValidationError(
                _("You are a member of %(organisation)s already.")
                % {"organisation": organisation.name},
                "member",
            )
        now = timezone.now()
        # Claimed by a conditional update, so that a link used twice at once joins once.
        claimed = Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(accepted_at=now, accepted_by=user)
        if not claimed:
            raise ValidationError(
                _("This invitation has been used already: each link works once."), code="used"
            )
        membership = Membership(organisation=organisation, user=user, role=invitation.role)
        membership.full_clean()
        membership.save()
        _audit(
            "member.join",
            user,
            membership,
            request,
            role=membership.role,
            invitation=invitation.pk,
            invited_email=invitation.email,
        )
    return membership


def member_role_change(
    *, membership: Membership, role: str, by: User, request: HttpRequest | None = None
) -> Membership:
    if role not in Role.values:
        raise ValidationError(_("Choose one of the roles."), code="role")
    with transaction.atomic():
        current, owners = _locked(membership)
        previous = current.role
        if previous == role:
            return current
        if previous == Role.OWNER and owners == 1:
            raise ValidationError(
                _("The organisation needs an owner: make someone else an owner first."),
                code="last_owner",
            )
        current.role = role
        current.save(update_fields=["role"])
        _audit("member.role", by, current, request, role=role, previous_role=previous)
    return current


def member_remove(*, membership: Membership, by: User, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        current, owners = _locked(membership)
        if current.role == Role.OWNER and owners == 1:
            raise ValidationError(
                _(
                    "The organisation needs an owner: make someone else an owner before "
                    "removing this one."
                ),
                code="last_owner",
            )
        _audit("member.remove", by, current, request, role=current.role)
        current.delete()


def member_leave(*, membership: Membership, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        current, owners = _locked(membership)
        if current.role == Role.OWNER and owners == 1:
            raise ValidationError(
                _(
                    "You are the organisation's only owner: make someone else an owner before "
                    "you leave."
                ),
                code="last_owner",
            )
        _audit("member.leave", current.user, current, request, role=current.role)
        current.delete()


def _locked(membership: Membership) -> tuple[Membership, int]:
    """The membership as it is now, and how many owners the organisation has, with every
    membership of the organisation locked until the transaction ends: two owners demoting
    each other at once cannot leave it with none."""
    members = list(
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organisation")
        .filter(organisation_id=membership.organisation_id)
        .order_by("pk")
    )
    current = next((member for member in members if member.pk == membership.pk), None)
    if current is None:
        raise ValidationError(_("This person is no longer a member."), code="gone")
    return current, sum(member.role == Role.OWNER for member in members)


def _audit(
    action: str,
    actor: User,
    target: Invitation | Membership,
    request: HttpRequest | None,
    **detail: object,
) -> None:
    audit_record(
        action=action,
        actor=actor,
        target=target,
        organisation_id=target.organisation_id,
        request=request,
        detail=detail,
    )
