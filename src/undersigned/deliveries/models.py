from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from undersigned.letters.models import Letter, LetterVersion, Target
from undersigned.lib.markdown import render_markdown


class Method(models.TextChoices):
    EMAIL = "email", _("Emailed to the targets from here")
    MANUAL = "manual", _("Delivered another way")


class DeliveryStatus(models.TextChoices):
    PREPARING = "preparing", _("Building the PDF")
    SENDING = "sending", _("Sending to the targets")
    DELIVERED = "delivered", pgettext_lazy("delivery", "Delivered")
    FAILED = "failed", _("Not delivered")


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def delivered(self) -> "DeliveryQuerySet":
        return self.filter(status=DeliveryStatus.DELIVERED).order_by("delivered_at", "number")


class Delivery(models.Model):
    """The letter and its signatories, sent or handed to its targets, with a public record.

    It keeps the numbers and the version as they were delivered. A later delivery is an
    addendum: it carries the signatures confirmed since the one before (`since`).
    """

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="deliveries")
    number = models.PositiveIntegerField()
    method = models.CharField(max_length=10, choices=Method.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PREPARING
    )
    targets: "models.ManyToManyField[Target, DeliveryTarget]" = models.ManyToManyField(
        Target, through="DeliveryTarget", related_name="deliveries"
    )
    letter_version = models.ForeignKey(LetterVersion, on_delete=models.PROTECT)
    # The signatures it carries: confirmed after `since` (an addendum) and up to `until`.
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField()
    # The count as the public saw it then, in the letter's steps.
    total = models.PositiveIntegerField()
    verified = models.PositiveIntegerField()
    signatures = models.PositiveIntegerField(help_text="How many this delivery carries.")
    closes_signing = models.BooleanField(default=False)
    how = models.CharField(
        max_length=200, blank=True, help_text="For a manual delivery: “by hand”, “by post”."
    )
    note = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="deliveries/", blank=True)
    csv = models.FileField(upload_to="deliveries/", blank=True)
    # The letter's highest signature event when the files were built; None while they are
    # (re)built. A withdrawal after it means they still name someone who withdrew.
    files_event_id = models.BigIntegerField(null=True, blank=True)
    # The signed delivery manifest (manifest.py), exactly as served; empty until built.
    manifest = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="one_delivery_number")
        ]

    def __str__(self) -> str:
        return f"Delivery {self.number} of {self.letter}"

    @property
    def is_addendum(self) -> bool:
        return self.since is not None

    @property
    def shown_total(self) -> str:
        """The count delivered, as the public sees it (in the letter's steps)."""
        return self.letter.shown_number(self.total)

    @property
    def shown_signatures(self) -> str:
        return self.letter.shown_number(self.signatures)

    @property
    def pdf_url(self) -> str:
        return reverse("delivery_pdf", kwargs={"slug": self.letter.slug, "number": self.number})

    @property
    def manifest_url(self) -> str:
        return reverse(
            "delivery_manifest", kwargs={"slug": self.letter.slug, "number": self.number}
        )


class DeliveryTarget(models.Model):
    """One target a delivery went to, and, for an emailed one, what the relay said."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="recipients")
    target = models.ForeignKey(Target, on_delete=models.CASCADE)
    sent_at = models.DateTimeField(null=True, blank=True)
    refused = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delivery", "target"], name="one_target_per_delivery")
        ]

    def __str__(self) -> str:
        return f"{self.delivery} to {self.target}"


class Response(models.Model):
    """What a target answered, published on the letter page under its delivery."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="responses")
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="responses")
    responded_on = models.DateField()
    text = models.TextField(help_text="Markdown.")
    source_url = models.URLField(blank=True, max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["responded_on", "pk"]

    def __str__(self) -> str:
        return f"{self.target} answered {self.letter}"

    @property
    def text_html(self) -> str:
        return render_markdown(self.text)
