"""An organisation's API tokens: created by a member for what their role allows, shown
once, kept as a keyed hash, refused once revoked or once their creator may no longer do
what they grant."""

from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.organisations.access import may
from undersigned.organisations.memberships import member_role
from undersigned.organisations.models import Organisation

from .models import PREFIX, SCOPE_ACTIONS, ApiToken, Scope, token_hash, token_secret

# How often a token's "last used" is written: at most once a minute, however busy it is.
LAST_USED_EVERY = timedelta(minutes=1)


def token_create(
    *,
    organisation: Organisation,
    user: User,
    name: str,
    scopes: Sequence[str],
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown this once and never kept."""
    if not scopes:
        raise ValidationError(_("Choose at least one permission."), code="scopes")
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise ValidationError(_("Choose permissions from the list."), code="scopes")
    role = member_role(user, organisation)
    refused = [scope for scope in scopes if role is None or not may(role, SCOPE_ACTIONS[scope])]
    if refused:
        labels = dict(Scope.choices)
        raise PermissionDenied(
            _("Your role does not allow: %(scopes)s.")
            % {"scopes": ", ".join(str(labels[s]) for s in refused)}
        )
    secret = token_secret()
    token = ApiToken(
        organisation=organisation,
        name=name.strip(),
        scopes=sorted(set(scopes)),
        prefix=secret[: len(PREFIX) + 6],
        key_hash=token_hash(secret),
        created_by=user,
    )
    token.full_clean()
    with transaction.atomic():
        token.save()
        audit_record(
            action="api_token.create",
            actor=user,
            target=token,
            organisation_id=organisation.pk,
            request=request,
            detail={"name": token.name, "scopes": token.scopes, "prefix": token.prefix},
        )
    return token, secret


def token_revoke(*, token: ApiToken, user: User, request: HttpRequest | None = None) -> bool:
    """Revoke the token at once; False if it was revoked already."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_record(
                action="api_token.revoke",
                actor=user,
                target=token,
                organisation_id=token.organisation_id,
                request=request,
                detail={"name": token.name, "prefix": token.prefix},
            )
    return bool(revoked)


def token_authenticate(secret: str) -> ApiToken | None:
    """The active token `secret` names, its "last used" brought up to date; None for a
    token unknown, revoked, or whose creator has left the organisation."""
    if not secret.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.active()
        .select_related("organisation", "created_by")
        .filter(key_hash=token_hash(secret))
        .first()
    )
    if token is None or member_role(token.created_by, token.organisation) is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_allows(token: ApiToken, scope: str) -> bool:
    """Whether the token has `scope` and its creator's role still allows it."""
    if scope not in token.scopes:
        return False
    role = member_role(token.created_by, token.organisation)
    return role is not None and may(role, SCOPE_ACTIONS[scope])
