from datetime import datetime

from django.db import models

from undersigned.letters.models import Display, Eligibility, Letter, LetterVersion


class Level(models.TextChoices):
    """How far a signature has been proven."""

    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    VERIFIED = "verified", "Verified"


COUNTED_LEVELS = (Level.CONFIRMED, Level.VERIFIED)


class SignatureQuerySet(models.QuerySet["Signature"]):
    def counted(self) -> "SignatureQuerySet":
        return self.filter(level__in=COUNTED_LEVELS)

    def unconfirmed_since(self, moment: "datetime") -> "SignatureQuerySet":
        return self.filter(level=Level.PENDING, created_at__lt=moment)

    def newest_first(self) -> "SignatureQuerySet":
        return self.order_by("-confirmed_at", "-pk")


class Signature(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="signatures")
    letter_version = models.ForeignKey(
        LetterVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    # As shown: the full name, only the initials, or nothing for an anonymous signer.
    name = models.CharField(max_length=120, blank=True)
    # The address signed with, kept only until it is proven (see signature_confirm).
    email = models.EmailField(max_length=254, blank=True)
    # A keyed hash of the canonical address: one signature per person, without the address.
    email_key = models.CharField(max_length=64)
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
    display = models.CharField(max_length=20, choices=Display.choices, default=Display.FULL)

    consent_updates = models.BooleanField(default=False)
    consent_wording = models.TextField(blank=True, help_text="Exactly what the signer agreed to.")
    consent_at = models.DateTimeField(null=True, blank=True)

    level = models.CharField(max_length=20, choices=Level.choices, default=Level.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["letter", "email_key"], name="one_signature_per_person")
        ]
        indexes = [
            models.Index(fields=["letter", "level", "confirmed_at"]),
            models.Index(fields=["letter", "institution"]),
        ]

    def __str__(self) -> str:
        return f"Signature {self.pk} on {self.letter_id}"

    @property
    def is_counted(self) -> bool:
        return self.level in COUNTED_LEVELS

    @property
    def is_verified(self) -> bool:
        return self.level == Level.VERIFIED

    @property
    def address_for_contact(self) -> str:
        """Where a link may be sent later. Never a work address: on a letter for listed
        domains it gets the one email that proves it, even before it is forgotten."""
        if self.contact_email or self.letter.eligibility == Eligibility.DOMAINS:
            return self.contact_email
        return self.email

    @property
    def manage_link_goes_home(self) -> bool:
        """On a letter for listed domains, whoever can read the work mailbox could use a
        link to withdraw; with a personal address given, that link goes there instead."""
        return self.letter.eligibility == Eligibility.DOMAINS and bool(self.contact_email)

    @property
    def public_name(self) -> str:
        """The name as the signer chose to be shown."""
        if self.display == Display.ANONYMOUS or not self.name:
            return "Anonymous"
        return self.name

    @property
    def verification(self) -> str:
        """What the address proved: "Verified · Stanford University", "Verified employee"."""
        if not self.is_verified:
            return ""
        return f"Verified · {self.institution}" if self.institution else "Verified employee"

    @property
    def claimed_affiliation(self) -> str:
        """An institution the signer named that their address did not prove."""
        if self.display == Display.ANONYMOUS or not self.affiliation:
            return ""
        if self.affiliation.casefold() == self.institution.casefold():
            return ""
        return self.affiliation

    @property
    def public_details(self) -> str:
        """What the signer chose to give beyond their name, as the public sees it.

        A title could single out an anonymous signer, so it shows only beside a name;
        a team and a place are asked for as public facts and show for everyone.
        """
        title = "" if self.display == Display.ANONYMOUS else self.title
        return " · ".join(part for part in (title, self.department, self.location) if part)

    @property
    def public_comment(self) -> str:
        return "" if self.display == Display.ANONYMOUS else self.comment


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
