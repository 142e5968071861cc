"""The audit log: who changed what, when, and from where, kept append-only.

An entry names its actor by a foreign key and by a label kept beside it, so that a deleted
account still shows who acted. Its organisation is a plain number, not a foreign key: the
audit app sits below `organisations` (every app above may record into it), and a log that
outlives what it describes is the point; an organisation deleted leaves its log in place.
"""

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """An audit entry may be written once and never changed or deleted by the application."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit entries are never deleted.")

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries are never changed.")

    def of_organisation(self, organisation_id: int) -> "AuditEntryQuerySet":
        return self.filter(organisation_id=organisation_id)


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who acted, as they were known then ("" for the system): survives the account.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)
    # What changed: a model label ("letters.letter"), its primary key and its name then.
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    # A keyed hash of the client's address (lib.network.address_hash), never the address.
    ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects: ClassVar[AuditEntryQuerySet] = AuditEntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["organisation_id", "-created_at"], name="audit_org_newest"),
            models.Index(fields=["action", "-created_at"], name="audit_action_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label or 'the system'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries are never deleted.")
