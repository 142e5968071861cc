"""The signature log of each letter: its entries, the hashes of its perfect subtrees, its
signed heads, the keys that sign them, and the commitments its entries hold.

Everything here is appended and never changed, but `LogState` (a letter's size and
frontier, moved on by each batch) and `LogFeed` (how far the signature events have been
read). A commitment's salt, and which signature event an entry came from, are private:
no public answer reads them.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from undersigned.letters.models import Letter


class SigningKey(models.Model):
    """An Ed25519 key of this instance. The current one signs every new head; a retired
    one signs nothing more, and stays published so that the heads it signed stay
    verifiable. The private key is kept encrypted with a key derived from SECRET_KEY."""

    key_id = models.CharField(max_length=64, unique=True)
    public_key = models.BinaryField(max_length=32)
    private_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    # True for the one key that signs; None once retired (a unique constraint allows one).
    current = models.BooleanField(null=True, default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["current"], condition=Q(current=True), name="one_current_signing_key"
            )
        ]

    def __str__(self) -> str:
        return f"Log key {self.key_id[:16]}"


class LogFeed(models.Model):
    """How far the folding of signature events into the logs got (one row, appending.py):
    the highest event id read, the ids below it not seen yet (a transaction that wrote
    them may still commit), and a number each batch moves on, which claims the batch."""

    cursor = models.BigIntegerField(default=0)
    # [first id, last id, when first missed (seconds since 1970)] for each run of ids.
    gaps = models.JSONField(default=list)
    batches = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Log feed at event {self.cursor}"


class LogState(models.Model):
    """A letter's log as it stands: its size, its frontier (the hashes of the perfect
    subtrees along its right edge, 32 bytes each, largest first), what its entries add
    up to, and the letter's identifier its heads and commitments name."""

    letter = models.OneToOneField(
        Letter, on_delete=models.CASCADE, primary_key=True, related_name="log_state"
    )
    log_id = models.CharField(max_length=80)
    size = models.BigIntegerField(default=0)
    frontier = models.BinaryField(default=b"")
    total = models.BigIntegerField(default=0)
    verified = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Log of {self.log_id}: {self.size} entries"


class LogEntry(models.Model):
    """One entry of a letter's log: its bytes exactly as hashed, and its leaf hash. The
    signature event it came from is private, and makes it once."""

    pk = models.CompositePrimaryKey("letter", "index")
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="+")
    index = models.BigIntegerField()
    entry = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)
    event_id = models.BigIntegerField(unique=True)

    def __str__(self) -> str:
        return f"Entry {self.index} of {self.letter_id}"


class LogNode(models.Model):
    """The hash of a perfect subtree of a letter's log: 2**level leaves from leaf
    index * 2**level (lib/merkle.py); level 0 holds the leaf hashes."""

    pk = models.CompositePrimaryKey("letter", "level", "index")
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"Node {self.level}/{self.index} of {self.letter_id}"


class TreeHead(models.Model):
    """A signed tree head: a size of a letter's log, its root, when, what the entries up to
    it add up to, and the signature over formats.Head.signed_bytes."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="+")
    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    timestamp = models.BigIntegerField(help_text="Milliseconds since 1970, UTC, as signed.")
    total = models.BigIntegerField()
    verified = models.BigIntegerField()
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="heads")
    signature = models.BinaryField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["letter", "size"], name="one_head_per_log_size")
        ]

    def __str__(self) -> str:
        return f"Head {self.size} of {self.letter_id}"


class Commitment(models.Model):
    """What a signature's entries hold instead of the signature: kept so that its receipt
    can show the salt, and reached only through the signer's receipt link."""

    # Not a foreign key: withdrawal deletes the signature, and its entries stay.
    signature_id = models.BigIntegerField(unique=True)
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="+")
    salt = models.BinaryField(max_length=32)
    commitment = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Commitment of signature {self.signature_id}"
