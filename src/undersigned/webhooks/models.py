"""Webhooks: an organisation's endpoints, and each delivery of an event to one of them.

An endpoint keeps its secret as it was shown to the organiser, not a hash of it: signing a
delivery needs the secret itself (docs/webhooks.md says so to the operator).
"""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from undersigned.organisations.models import Organisation

# What a secret starts with, not one.
SECRET_PREFIX = "whsec_"  # noqa: S105 # nosec B105


class EventType(models.TextChoices):
    SIGNATURE_CONFIRMED = "signature.confirmed", _("A signature counts: confirmed, or cleared")
    SIGNATURE_WITHDRAWN = "signature.withdrawn", _("A signer withdrew their signature")
    SIGNATURE_INVALIDATED = (
        "signature.invalidated",
        _("A moderator took a signature off the count"),
    )
    SIGNATURE_ERASED = "signature.erased", _("A signer's personal data was erased")
    MILESTONE_REACHED = "milestone.reached", _("A letter reached its goal")
    LETTER_DELIVERED = "letter.delivered", _("A letter was delivered to its targets")
    ANSWER_RECORDED = "answer.recorded", _("A target's answer was recorded")
    PING = "ping", _("A test")


# What an endpoint may ask for; a test is sent whenever an owner asks for one.
SUBSCRIBABLE = [choice for choice in EventType if choice != EventType.PING]


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=100, blank=True)
    secret = models.CharField(max_length=80, default=secret_new)
    events = models.JSONField(default=list, help_text="The event types it is sent.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # How far the round has read each source for this endpoint (folding.py): the id of the
    # last row it turned into deliveries, or skipped.
    signature_events_seen = models.BigIntegerField(default=0)
    milestones_seen = models.BigIntegerField(default=0)
    deliveries_seen = models.BigIntegerField(default=0)
    responses_seen = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        # Never the whole URL: its path or query may hold a key of the receiving system,
        # and this is what the audit log keeps of an endpoint.
        return f"Webhook {self.pk} to {self.host}"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    def wants(self, event_type: str) -> bool:
        return self.active and event_type in self.events

    @property
    def event_labels(self) -> list[str]:
        return [str(choice.label) for choice in SUBSCRIBABLE if choice in self.events]


class DeliveryState(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("webhook", "Waiting")
    DELIVERED = "delivered", pgettext_lazy("webhook", "Delivered")
    FAILED = "failed", pgettext_lazy("webhook", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("webhook", "Not sent")


class WebhookDelivery(models.Model):
    """One event for one endpoint: its body exactly as sent, and how sending it went."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=80)
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    body = models.TextField()
    # The body named a signatory who since withdrew or had their data erased: it is gone.
    body_erased = models.BooleanField(default=False)
    # For an event of a signature: its id and that of the signature event (no foreign
    # keys: a withdrawal deletes the signature), so a later withdrawal can find it.
    signature_id = models.BigIntegerField(null=True, blank=True)
    signature_event_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.WAITING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Until when the attempt under way holds it (sending.py).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="one_delivery_per_event")
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"]),
            models.Index(fields=["signature_id"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} to {self.endpoint_id}"
