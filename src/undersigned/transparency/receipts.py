"""A signer's receipt: their entry in the letter's log, the head that first held it, and
the salt that opens their commitment, reached through a signed link of their own.

With the salt, the letter's log identifier and the signature's id (all in the receipt),
the signer recomputes the commitment their entry holds; an inclusion proof from the
public endpoints then shows the entry is still in the log, under any later head. Every
later entry of the same signature (withdrawn, invalidated, restored) holds the same
commitment, so the receipt shows what became of it, and when.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from undersigned.letters.models import Letter
from undersigned.signing.models import EventKind, Signature, SignatureEvent

from .formats import Entry, entry_decoded, moment_of
from .models import Commitment, LogEntry, LogState, TreeHead
from .public import entry_json, head_json, head_latest, log_public

RECEIPT_SALT = "undersigned.transparency.receipt"
RECEIPT_FORMAT = 1


def receipt_token(signature_id: int) -> str:
    """The receipt link's token: the same every time it is made, in the page and in an
    email alike, and it never expires, since a receipt is checked for years."""
    return signing.Signer(salt=RECEIPT_SALT).sign_object(signature_id)


def signature_id_from_receipt_token(token: str) -> int | None:
    try:
        value = signing.Signer(salt=RECEIPT_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def receipt_path(signature_id: int) -> str:
    return reverse("log_receipt", kwargs={"token": receipt_token(signature_id)})


@dataclass(frozen=True)
class Shown:
    """An entry of the signature, read back for the page."""

    row: LogEntry
    entry: Entry

    @property
    def index(self) -> int:
        return self.row.index

    @property
    def label(self) -> str:
        return str(EventKind(self.entry.kind).label)

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.entry.time)


@dataclass(frozen=True)
class Receipt:
    letter: Letter
    signature_id: int
    # Whether the letter's log is published (public.log_public), and the letter is.
    public: bool
    log_id: str = ""
    salt: bytes = b""
    commitment: bytes = b""
    # The signature's first entry, None until it is appended, and the head that first
    # held it; the entries after it; and the log's latest head.
    entry: Shown | None = None
    head: TreeHead | None = None
    later: list[Shown] = field(default_factory=list)
    latest: TreeHead | None = None

    @property
    def salt_hex(self) -> str:
        return self.salt.hex()

    @property
    def head_moment(self) -> datetime | None:
        return moment_of(self.head.timestamp) if self.head is not None else None


def receipt_of(signature_id: int) -> Receipt | None:
    """The receipt of a signature, withdrawn or not; None for one that never was."""
    commitment = Commitment.objects.select_related("letter").filter(signature_id=signature_id)
    kept = commitment.first()
    if kept is None:
        signature = Signature.objects.loaded(signature_id)
        if signature is None:
            return None
        return Receipt(
            letter=signature.letter, signature_id=signature_id, public=_public(signature.letter)
        )
    letter = kept.letter
    events = SignatureEvent.objects.filter(signature_id=signature_id).values("pk")
    rows = LogEntry.objects.filter(letter=letter, event_id__in=events).order_by("index")
    shown = [Shown(row, entry_decoded(bytes(row.entry))) for row in rows]
    first = shown[0] if shown else None
    head = None
    if first is not None:
        later_heads = TreeHead.objects.filter(letter=letter, size__gt=first.index)
        head = later_heads.select_related("key").order_by("size").first()
    return Receipt(
        letter=letter,
        signature_id=signature_id,
        public=_public(letter),
        log_id=LogState.objects.get(pk=letter.pk).log_id,
        salt=bytes(kept.salt),
        commitment=bytes(kept.commitment),
        entry=first,
        head=head,
        later=shown[1:],
        latest=head_latest(letter),
    )


def _public(letter: Letter) -> bool:
    return letter.is_public and not letter.is_taken_down and log_public(letter)


def _absolute(name: str, **kwargs: str) -> str:
    return settings.BASE_URL + reverse(name, kwargs=kwargs)


def endpoints(receipt: Receipt) -> dict[str, str]:
    """Where the public parts of a receipt are fetched and checked."""
    slug = receipt.letter.slug
    urls = {
        "keys": _absolute("log_keys"),
        "head": _absolute("log_head", slug=slug),
        "heads": _absolute("log_heads", slug=slug),
        "entries": _absolute("log_entries", slug=slug),
        "inclusion_proof": _absolute("log_inclusion", slug=slug),
        "consistency_proof": _absolute("log_consistency", slug=slug),
    }
    if receipt.entry is not None and receipt.latest is not None:
        urls["inclusion_proof_now"] = (
            f"{urls['inclusion_proof']}?index={receipt.entry.index}&size={receipt.latest.size}"
        )
    return urls


def receipt_json(receipt: Receipt) -> dict[str, Any]:
    """The receipt as the signer keeps it; needs an appended entry."""
    assert receipt.entry is not None and receipt.head is not None
    with translation.override(settings.LANGUAGE_CODE):
        letter_url = settings.BASE_URL + receipt.letter.get_absolute_url()
    return {
        "receipt_format": RECEIPT_FORMAT,
        "letter": letter_url,
        "log": receipt.log_id,
        "signature_id": receipt.signature_id,
        "salt": receipt.salt.hex(),
        "commitment": receipt.commitment.hex(),
        **entry_json(receipt.entry.row),
        "head": head_json(receipt.head, receipt.log_id),
        "later": [entry_json(shown.row) for shown in receipt.later],
        "endpoints": endpoints(receipt),
    }
