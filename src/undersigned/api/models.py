"""Organisers' API tokens: each scoped to one organisation and to what it may do, shown
once and kept only as a keyed hash."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undersigned.organisations.access import Action
from undersigned.organisations.models import Organisation

# What a token may be given, each with the member's action its creator must be allowed.
PREFIX = "usg_"


class Scope(models.TextChoices):
    READ_SIGNATURES = "signatures:read", _("Read and export signatures")
    WRITE_SIGNATURES = "signatures:write", _("Record signatures on paper")
    WRITE_LETTERS = "letters:write", _("Create and change letters")
    SEND_UPDATES = "updates:send", _("Write and send updates")


# Every scope is also an action a member may be allowed: the token is refused a scope as
# soon as the member who created it is.
SCOPE_ACTIONS: dict[str, Action] = {
    Scope.READ_SIGNATURES: Action.EXPORT,
    Scope.WRITE_SIGNATURES: Action.EDIT,
    Scope.WRITE_LETTERS: Action.EDIT,
    Scope.SEND_UPDATES: Action.SEND_UPDATE,
}


def token_hash(secret: str) -> str:
    """The keyed hash a token is kept as: a database leak gives no usable token."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"api-token:{secret}".encode(), hashlib.sha256).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text=_("What it is for, e.g. “CRM sync”."))
    scopes = models.JSONField(default=list)
    # The first characters of the token, so a person can tell which one a log line means.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]


def token_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)
