from django.db import models

from undersigned.letters.models import Display, Letter, LetterVersion


class Level(models.TextChoices):
    """How far a signature has been proven."""

    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    VERIFIED = "verified", "Verified"


COUNTED_LEVELS = (Level.CONFIRMED, Level.VERIFIED)


class SignatureQuerySet(models.QuerySet["Signature"]):
    def counted(self) -> "SignatureQuerySet":
        return self.filter(level__in=COUNTED_LEVELS)

    def newest_first(self) -> "SignatureQuerySet":
        return self.order_by("-confirmed_at", "-pk")


class Signature(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="signatures")
    letter_version = models.ForeignKey(
        LetterVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    name = models.CharField(max_length=120)
    email = models.EmailField(max_length=254)
    email_canonical = models.CharField(max_length=254)
    affiliation = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    comment = models.TextField(max_length=1000, blank=True)
    display = models.CharField(max_length=20, choices=Display.choices, default=Display.FULL)

    consent_updates = models.BooleanField(default=False)
    consent_wording = models.TextField(blank=True, help_text="Exactly what the signer agreed to.")
    consent_at = models.DateTimeField(null=True, blank=True)

    level = models.CharField(max_length=20, choices=Level.choices, default=Level.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "email_canonical"], name="one_signature_per_person"
            )
        ]
        indexes = [models.Index(fields=["letter", "level", "confirmed_at"])]

    def __str__(self) -> str:
        return f"Signature {self.pk} on {self.letter_id}"

    @property
    def is_counted(self) -> bool:
        return self.level in COUNTED_LEVELS

    @property
    def public_name(self) -> str:
        """The name as the signer chose to be shown."""
        if self.display == Display.FULL:
            return self.name
        if self.display == Display.INITIALS:
            return initials(self.name)
        return "Anonymous"

    @property
    def public_details(self) -> str:
        """Title and affiliation, only for signers shown by their full name."""
        if self.display != Display.FULL:
            return ""
        return ", ".join(part for part in (self.title, self.affiliation) if part)

    @property
    def public_comment(self) -> str:
        return "" if self.display == Display.ANONYMOUS else self.comment


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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["letter", "shard"], name="one_row_per_shard")
        ]

    def __str__(self) -> str:
        return f"{self.letter_id}/{self.shard}: {self.signatures}"
