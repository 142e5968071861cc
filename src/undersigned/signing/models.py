from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from undersigned.letters.models import Display, Letter, LetterVersion
from undersigned.lib.email_address import CANONICAL_RULES


class CommentState(models.TextChoices):
    NONE = "", _("No comment")
    SHOWN = "shown", pgettext_lazy("comment", "Shown")
    WAITING = "waiting", _("Waiting for a moderator")
    HIDDEN = "hidden", _("Hidden by a moderator")


class Level(models.TextChoices):
    """How far a signature has been proven: its verification level."""

    PENDING = "pending", pgettext_lazy("signature", "Pending")
    CONFIRMED = "confirmed", pgettext_lazy("signature", "Confirmed")
    VERIFIED = "verified", pgettext_lazy("signature", "Verified")
    # Signed on a paper sheet and entered by an organiser (paper.py): counted, and never
    # confirmed nor verified, since nobody proved the address, if any, that was written.
    PAPER = "paper", pgettext_lazy("signature", "On paper")


class State(models.TextChoices):
    """Whether a signature counts. Only a confirmed signature can be counted, held or
    invalidated; withdrawal deletes the row."""

    PENDING = "pending", pgettext_lazy("signature", "Pending")
    COUNTED = "counted", pgettext_lazy("signature", "Counted")
    HELD = "held", pgettext_lazy("signature", "Held as suspect")
    INVALIDATED = "invalidated", pgettext_lazy("signature", "Invalidated")


class SignatureQuerySet(models.QuerySet["Signature"]):
    def pending(self) -> "SignatureQuerySet":
        return self.filter(state=State.PENDING)

    def counted(self) -> "SignatureQuerySet":
        return self.filter(state=State.COUNTED)

    def verified(self) -> "SignatureQuerySet":
        """Counted signatures whose address proved an affiliation."""
        return self.counted().filter(level=Level.VERIFIED)

    def held(self) -> "SignatureQuerySet":
        return self.filter(state=State.HELD)

    def on_paper(self) -> "SignatureQuerySet":
        return self.filter(level=Level.PAPER)

    def invalidated(self) -> "SignatureQuerySet":
        return self.filter(state=State.INVALIDATED)

    def comments(self, state: str) -> "SignatureQuerySet":
        """Confirmed signatures whose comment is in this state, for the comment queue: a
        comment nobody confirmed, of a signature invalidated, or erased (privacy.py blanks
        the comment, not its state), shows nowhere anyway."""
        counted_or_held = self.filter(state__in=(State.COUNTED, State.HELD))
        return counted_or_held.filter(comment_state=state).exclude(comment="")

    def unconfirmed_since(self, moment: "datetime") -> "SignatureQuerySet":
        return self.pending().filter(created_at__lt=moment)

    def newest_first(self) -> "SignatureQuerySet":
        return self.order_by("-confirmed_at", "-pk")

    def loaded(self, signature_id: int | None) -> "Signature | None":
        """The signature a link or a task stands for, with its letter, if it is still there."""
        if signature_id is None:
            return None
        return self.select_related("letter", "letter__organisation").filter(pk=signature_id).first()


class PaperBatchQuerySet(models.QuerySet["PaperBatch"]):
    def current(self) -> "PaperBatchQuerySet":
        """The batches whose signatures are on the letter: not removed."""
        return self.filter(removed_at__isnull=True)


class PaperBatch(models.Model):
    """Signatures collected on paper and entered together (paper.py): a sign-up sheet, or a
    pile of them, from one rally. Removed as a whole, it stays for the record."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="paper_batches")
    label = models.CharField(max_length=100, help_text="Where and when, like “Rally, 3 May”.")
    rows = models.PositiveIntegerField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PaperBatchQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["letter", "created_at"])]

    def __str__(self) -> str:
        return self.label


class Signature(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="signatures")
    letter_version = models.ForeignKey(
        LetterVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    # As shown: the full name, only the initials, or nothing for an anonymous signer.
    name = models.CharField(max_length=120, blank=True)
    # The address signed with, kept only until it is proven (see signature_confirm).
    email = models.EmailField(max_length=254, blank=True)
    # A keyed hash of the canonical address: one signature per person, without the address,
    # and the version of the canonical rules that made it (lib/email_address.py).
    email_key = models.CharField(max_length=64)
    email_key_rules = models.PositiveSmallIntegerField(default=CANONICAL_RULES)
    email_domain = models.CharField(max_length=253)
    contact_email = models.EmailField(
        max_length=254, blank=True, help_text="Where the signer asked to be written to later."
    )
    affiliation = models.CharField(max_length=200, blank=True, help_text="As claimed.")
    institution = models.CharField(
        max_length=200, blank=True, help_text="As verified from the address's domain."
    )
    title = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    comment = models.TextField(max_length=1000, blank=True)
    # Whether the comment shows: at once, or once a moderator approves it, as the letter
    # asks (Letter.comment_review); a hidden comment leaves the signature counted.
    comment_state = models.CharField(
        max_length=10, choices=CommentState.choices, default=CommentState.NONE, blank=True
    )
    display = models.CharField(max_length=20, choices=Display.choices, default=Display.FULL)
    # The language the signer read the letter in (a code of LANGUAGES): their emails are in
    # it, and the delivery says which translation each signature was given to.
    language = models.CharField(max_length=10, blank=True)
    # Where the signer came from: the `?source=` tag of the link they followed, as the
    # organisers named it ("" if none). Shown to organisers only, as counts.
    source = models.CharField(max_length=40, blank=True)

    consent_updates = models.BooleanField(default=False)
    consent_wording = models.TextField(blank=True, help_text="Exactly what the signer agreed to.")
    consent_at = models.DateTimeField(null=True, blank=True)

    level = models.CharField(max_length=20, choices=Level.choices, default=Level.PENDING)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    # Keyed hashes of the address the signature came from and of its subnet (/24, /64),
    # never the address; kept for the fraud window (FRAUD_WINDOW_DAYS), then blanked.
    ip_hash = models.CharField(max_length=64, blank=True)
    subnet_hash = models.CharField(max_length=64, blank=True)
    # Why the signature is suspect ("" if it is not): codes of the rules it tripped, comma
    # separated. A suspect signature is held when confirmed, never counted until cleared.
    suspect = models.CharField(max_length=200, blank=True)
    # The batch a signature on paper was entered in (Level.PAPER), and removed with.
    paper_batch = models.ForeignKey(
        PaperBatch,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="signatures",
    )

    objects = SignatureQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["letter", "email_key"], name="one_signature_per_person")
        ]
        indexes = [
            models.Index(fields=["letter", "state", "confirmed_at"]),
            models.Index(fields=["letter", "institution"]),
            models.Index(fields=["letter", "subnet_hash", "created_at"]),
            models.Index(fields=["letter", "email_domain", "created_at"]),
            # The comment queue: a letter's comments waiting for a moderator, or hidden.
            models.Index(fields=["letter", "comment_state"]),
        ]

    def __str__(self) -> str:
        return f"Signature {self.pk} on {self.letter_id}"

    @property
    def is_counted(self) -> bool:
        return self.state == State.COUNTED

    @property
    def is_verified(self) -> bool:
        return self.level == Level.VERIFIED


def name_as_kept(name: str, display: str) -> str:
    """Keep no more of a name than is shown: initials only, or nothing at all."""
    if display == Display.ANONYMOUS:
        return ""
    if display == Display.INITIALS:
        return initials(name)
    return name


def initials(name: str) -> str:
    return " ".join(f"{part[0].upper()}." for part in name.split() if part[:1].isalpha())


class CountShard(models.Model):
    """One slice of a letter's count.

    Confirmations add to the shard picked by signature id, so concurrent signers update
    different rows instead of queueing on one; the count is the sum of a fixed number of
    rows, and each shard can be checked against the signatures it stands for.
    """

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="count_shards")
    shard = models.PositiveSmallIntegerField()
    signatures = models.BigIntegerField(default=0)
    verified = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["letter", "shard"], name="one_row_per_shard")
        ]

    def __str__(self) -> str:
        return f"{self.letter_id}/{self.shard}: {self.signatures}"


class ConfirmationQuota(models.Model):
    """How many confirmation emails one address was sent on one day, whatever the letters.

    Claimed with a conditional UPDATE in the transaction that creates the signature, so
    concurrent signings cannot slip past the limit.
    """

    email_key = models.CharField(max_length=64)
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email_key", "day"], name="one_quota_per_address_day")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.used}"


class EventKind(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("signature", "Confirmed")
    VERIFIED = "verified", pgettext_lazy("signature", "Confirmed and verified")
    WITHDRAWN = "withdrawn", pgettext_lazy("signature", "Withdrawn")
    HELD = "held", pgettext_lazy("signature", "Held as suspect")
    CLEARED = "cleared", pgettext_lazy("signature", "Cleared")
    INVALIDATED = "invalidated", pgettext_lazy("signature", "Invalidated")
    # An invalidation undone: the signature is back in the state it had (counted or held).
    RESTORED = "restored", pgettext_lazy("signature", "Restored")
    # Its personal data erased, at the signer's request or once the letter's retention
    # ended (signing/privacy.py); the count does not move.
    ERASED = "erased", _("Personal data erased")
    # Entered from a paper sheet (paper.py): counted at once, never confirmed.
    PAPER = "paper", pgettext_lazy("signature", "Entered from paper")
    # Taken off with its paper batch, and deleted, as a withdrawal is.
    PAPER_REMOVED = "paper_removed", pgettext_lazy("signature", "Removed with its paper batch")


class SignatureEvent(models.Model):
    """One change of a signature's state, appended in the transaction that makes it.

    It holds no name and no address, and outlives a withdrawn signature, so the count can
    be proven from the events alone: it is the sum of their deltas.
    """

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="events")
    # Not a foreign key: withdrawal deletes the signature, and its events stay.
    signature_id = models.BigIntegerField()
    letter_version = models.ForeignKey(
        LetterVersion, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    total_delta = models.SmallIntegerField()
    verified_delta = models.SmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["letter", "id"]), models.Index(fields=["signature_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.signature_id} on {self.letter_id}"


class Unsubscription(models.Model):
    """An address that asked for no more updates from an organisation, on any letter.

    It holds a keyed hash of the address (lib.email_address.email_key), never the address.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="unsubscriptions"
    )
    address_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "address_key"], name="one_unsubscription_per_address"
            )
        ]

    def __str__(self) -> str:
        return f"Unsubscribed from {self.organisation_id}"
