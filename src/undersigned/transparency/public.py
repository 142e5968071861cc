"""What the log shows the public: which logs are public, and each thing shaped as JSON.

Every hash and signature is lowercase hex; every time a head signs is an integer of
milliseconds, with the same instant beside it in ISO 8601 for people. The fields are
docs/transparency.md's, and a change to them is a change of its format version.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from undersigned.letters.models import Letter

from .formats import Head, moment_of
from .models import LogEntry, LogState, SigningKey, TreeHead

ALGORITHM = "Ed25519"


def log_public(letter: Letter) -> bool:
    """Whether the letter's log is published. A letter with a count step shows its count
    only in steps, and its log would tell the exact count and when each signature came;
    so its log is kept and signed, but not shown, until the step is taken off."""
    return not letter.count_step


def head_of(row: TreeHead, log_id: str) -> Head:
    return Head(
        log_id=log_id,
        size=row.size,
        root=bytes(row.root),
        timestamp=row.timestamp,
        total=row.total,
        verified=row.verified,
        key_id=row.key.key_id,
    )


def heads(letter: Letter) -> QuerySet[TreeHead]:
    return TreeHead.objects.filter(letter=letter).select_related("key").order_by("size")


def head_latest(letter: Letter) -> TreeHead | None:
    return TreeHead.objects.filter(letter=letter).select_related("key").order_by("-size").first()


def log_id_of(letter: Letter) -> str:
    return LogState.objects.filter(pk=letter.pk).values_list("log_id", flat=True).first() or ""


def head_json(row: TreeHead, log_id: str) -> dict[str, Any]:
    return {
        "log": log_id,
        "size": row.size,
        "root": bytes(row.root).hex(),
        "timestamp": row.timestamp,
        "time": _iso(moment_of(row.timestamp), milliseconds=True),
        "total": row.total,
        "verified": row.verified,
        "key_id": row.key.key_id,
        "signature": bytes(row.signature).hex(),
    }


def entry_json(row: LogEntry) -> dict[str, Any]:
    return {
        "index": row.index,
        "entry": bytes(row.entry).decode(),
        "leaf_hash": bytes(row.leaf_hash).hex(),
    }


def key_json(key: SigningKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "algorithm": ALGORITHM,
        "public_key": bytes(key.public_key).hex(),
        "created": _iso(key.created_at),
        "retired": _iso(key.retired_at) if key.retired_at else None,
    }


def keys_json() -> dict[str, Any]:
    keys = SigningKey.objects.order_by("created_at", "pk")
    return {"keys": [key_json(key) for key in keys]}


def _iso(moment: datetime, *, milliseconds: bool = False) -> str:
    timespec = "milliseconds" if milliseconds else "seconds"
    return moment.isoformat(timespec=timespec).replace("+00:00", "Z")


def entries(letter: Letter, start: int, end: int) -> QuerySet[LogEntry]:
    return LogEntry.objects.filter(letter=letter, index__gte=start, index__lt=end).order_by("index")
