from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from undersigned.letters.models import Letter
from undersigned.lib.markdown import render_markdown


class Kind(models.TextChoices):
    NEWS = "news", _("News")
    MILESTONE = "milestone", _("Milestone")
    RESPONSE = "response", _("A target's response")


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("update", "Draft")
    SENDING = "sending", pgettext_lazy("update", "Sending")
    SENT = "sent", pgettext_lazy("update", "Sent")


class UpdateQuerySet(models.QuerySet["Update"]):
    def published(self) -> "UpdateQuerySet":
        """What the public sees: updates sent (or being sent), unless for signers only."""
        sent = (UpdateStatus.SENDING, UpdateStatus.SENT)
        return self.filter(status__in=sent, signers_only=False).order_by("-sent_at", "-pk")


class Update(models.Model):
    """A message from a letter's organisers to the signers who consented to hear from them."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    signers_only = models.BooleanField(
        default=False,
        help_text="Send it to signers without publishing it on the letter's page and feed.",
    )
    status = models.CharField(max_length=20, choices=UpdateStatus, default=UpdateStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When an editor sent it: it is public from then on, unless for signers only.
    sent_at = models.DateTimeField(null=True, blank=True)
    # When every recipient was sent, skipped or given up on.
    finished_at = models.DateTimeField(null=True, blank=True)
    # The send rate's clock, shared by every worker sending it (sending.reserve_slots).
    next_slot_at = models.DateTimeField(null=True, blank=True)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("update", kwargs={"slug": self.letter.slug, "pk": self.pk})

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    @property
    def is_draft(self) -> bool:
        return self.status == UpdateStatus.DRAFT

    @property
    def is_public(self) -> bool:
        return not self.is_draft and not self.signers_only


class RecipientStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class UpdateRecipient(models.Model):
    """One address an update goes to, claimed with a conditional UPDATE before the relay is
    asked and recorded after it answers, so a worker killed at any moment loses its claims
    when their lease lapses and another goes on where it stopped.

    It holds the signature and a keyed hash of the address, never the address: that is read
    again through the recipients rule when it is sent.
    """

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="recipients")
    # Not a foreign key: a signer may withdraw meanwhile, and is then skipped.
    signature_id = models.BigIntegerField()
    address_key = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=RecipientStatus, default=RecipientStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)  # a retry's backoff
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["update", "address_key"], name="one_copy_per_address")
        ]
        indexes = [models.Index(fields=["update", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.update_id}/{self.pk}: {self.status}"


class Milestone(models.Model):
    """A goal a letter's count reached, found by the milestones round (milestones.py)."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="milestones")
    goal = models.PositiveIntegerField()
    next_goal = models.PositiveIntegerField(null=True, blank=True)
    reached_at = models.DateTimeField()
    update = models.OneToOneField(
        Update, null=True, blank=True, on_delete=models.SET_NULL, related_name="milestone"
    )

    class Meta:
        ordering = ["-reached_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "goal"], name="one_milestone_per_goal")
        ]

    def __str__(self) -> str:
        return f"{self.letter_id} reached {self.goal}"
