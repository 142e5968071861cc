"""What moderators did and were told: batches of signatures taken off together, the
alerts that sent them looking, and the public's reports of letters and the organisers'
appeals against a takedown, which the platform's moderators decide."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from undersigned.letters.models import Letter, Takedown
from undersigned.signing.models import State

from .labels import group_label


class InvalidationQuerySet(models.QuerySet["Invalidation"]):
    def newest_first(self) -> "InvalidationQuerySet":
        return self.order_by("-created_at", "-pk")


class Invalidation(models.Model):
    """One batch of a letter's signatures, chosen by a search and taken off together:
    invalidated, or held for review. Kept with who did it, when, the search and every
    signature it moved (InvalidatedSignature), and undone at most once."""

    MOVES = [
        (State.INVALIDATED, pgettext_lazy("signatures", "Invalidated")),
        (State.HELD, pgettext_lazy("signatures", "Held")),
    ]

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="invalidations")
    # The state the batch left its signatures in.
    state = models.CharField(max_length=20, choices=MOVES)
    # The search that chose them, as the moderator gave it (moderation.search.Search).
    query = models.JSONField(default=dict)
    signatures = models.PositiveIntegerField(help_text="How many signatures it moved.")
    off_count = models.PositiveIntegerField(help_text="How many of them were counted before.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restored = models.PositiveIntegerField(default=0, help_text="How many the undo put back.")

    objects = InvalidationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Batch {self.pk} on {self.letter_id}: {self.signatures} {self.state}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class InvalidatedSignature(models.Model):
    """One signature a batch moved: the state it had, and the event that moved it, so the
    undo puts back exactly those nobody changed since."""

    invalidation = models.ForeignKey(Invalidation, on_delete=models.CASCADE, related_name="items")
    # Not a foreign key: a withdrawal deletes the signature, and the record stays.
    signature_id = models.BigIntegerField()
    was = models.CharField(max_length=20, choices=State.choices)
    event_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invalidation", "signature_id"], name="one_item_per_signature"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signature_id} in batch {self.invalidation_id}"


class Grouping(models.TextChoices):
    """What signatures are grouped by when one group is seen rising."""

    SUBNET = "subnet", _("Subnet")
    DOMAIN = "domain", _("Address domain")


class FraudAlert(models.Model):
    """A subnet or a domain that passed the alert threshold in one hour on one letter;
    one row, and one email to each moderator, per (letter, group, hour)."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="fraud_alerts")
    grouping = models.CharField(max_length=20, choices=Grouping.choices)
    # The subnet's keyed hash (signing.Signature.subnet_hash), or the domain.
    key = models.CharField(max_length=253)
    hour = models.DateTimeField(help_text="The start of the hour.")
    signatures = models.PositiveIntegerField(help_text="Its new signatures that hour.")
    letter_signatures = models.PositiveIntegerField(
        help_text="All the letter's new signatures that hour, when it was found."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "grouping", "key", "hour"], name="one_alert_per_group_hour"
            )
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.grouping} alert on {self.letter_id} at {self.hour:%Y-%m-%d %H:00}"

    @property
    def label(self) -> str:
        return group_label(self.grouping, self.key)

    @property
    def share(self) -> float:
        return self.signatures / self.letter_signatures if self.letter_signatures else 0.0


class ReportState(models.TextChoices):
    OPEN = "open", pgettext_lazy("report", "Open")
    DISMISSED = "dismissed", pgettext_lazy("report", "Dismissed")
    ACTED = "acted", pgettext_lazy("report", "Acted on")


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> "ReportQuerySet":
        return self.filter(state=ReportState.OPEN)


class Report(models.Model):
    """One member of the public's report of a letter, with no account and no address kept:
    reports are rate-limited per client address in the cache (lib/rate_limit.py)."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=20, choices=Takedown.choices)
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=20, choices=ReportState.choices, default=ReportState.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["state", "letter"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"Report {self.pk} on {self.letter_id}: {self.reason}"


class Appeal(models.Model):
    """The organisers' one appeal against a takedown, decided by a platform moderator:
    upheld puts the letter back up. One per takedown: the takedown's time is part of the
    key, so a letter taken down again may be appealed again."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="appeals")
    taken_down_at = models.DateTimeField(help_text="The takedown it appeals against.")
    text = models.TextField(max_length=5000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    upheld = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "taken_down_at"], name="one_appeal_per_takedown"
            )
        ]

    def __str__(self) -> str:
        return f"Appeal {self.pk} on {self.letter_id}"

    @property
    def is_waiting(self) -> bool:
        return self.decided_at is None
