"""The log's byte formats, exactly as docs/transparency.md states them for a verifier.

Three things are hashed or signed, and each is built here and nowhere else:

- an entry: compact JSON with sorted keys, in UTF-8 (every value is ASCII), whose
  RFC 9162 leaf hash is SHA-256(0x00 || entry);
- a commitment to one signature: SHA-256 of four lines naming what it binds, with the
  secret salt that only the signer's receipt holds, so that nobody can test a guessed
  signature against it;
- a tree head: lines of text signed with Ed25519, naming the letter's log, its size, its
  root, the time, what its entries add up to and the key that signs it.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ENTRY_FORMAT = 1
COMMITMENT_DOMAIN = "undersigned-commitment:v1"
HEAD_DOMAIN = "undersigned-tree-head:v1"
SALT_SIZE = 32


def canonical_json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def minute_of(moment: datetime) -> str:
    """The time an entry shows: the minute it falls in, in UTC, seconds always zero."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:00Z")


def commitment_of(*, salt: bytes, log_id: str, signature_id: int) -> bytes:
    if len(salt) != SALT_SIZE:
        raise ValueError(f"a salt has {SALT_SIZE} bytes, not {len(salt)}")
    lines = (COMMITMENT_DOMAIN, f"salt:{salt.hex()}", f"log:{log_id}", f"signature:{signature_id}")
    return hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).digest()


@dataclass(frozen=True)
class Entry:
    """One counted event of one signature, as the log keeps it: never a name, an address,
    a domain, an institution or the signature's id."""

    kind: str
    commitment: bytes
    level: str
    total_delta: int
    verified_delta: int
    text_hash: str
    time: str

    def encoded(self) -> bytes:
        return canonical_json(
            {
                "format": ENTRY_FORMAT,
                "kind": self.kind,
                "commitment": self.commitment.hex(),
                "level": self.level,
                "total_delta": self.total_delta,
                "verified_delta": self.verified_delta,
                "text_hash": self.text_hash,
                "time": self.time,
            }
        )


def entry_decoded(raw: bytes) -> Entry:
    """An entry from its bytes; ValueError if they are not exactly what `encoded` makes."""
    try:
        value = json.loads(raw.decode())
        entry = Entry(
            kind=value["kind"],
            commitment=bytes.fromhex(value["commitment"]),
            level=value["level"],
            total_delta=value["total_delta"],
            verified_delta=value["verified_delta"],
            text_hash=value["text_hash"],
            time=value["time"],
        )
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"not an entry: {error}") from None
    if value.get("format") != ENTRY_FORMAT or entry.encoded() != raw:
        raise ValueError("not an entry in canonical form")
    return entry


@dataclass(frozen=True)
class Head:
    """A signed tree head's fields: `timestamp` in milliseconds since 1970 (UTC)."""

    log_id: str
    size: int
    root: bytes
    timestamp: int
    total: int
    verified: int
    key_id: str

    def signed_bytes(self) -> bytes:
        lines = (
            HEAD_DOMAIN,
            f"log:{self.log_id}",
            f"size:{self.size}",
            f"root:{self.root.hex()}",
            f"timestamp:{self.timestamp}",
            f"total:{self.total}",
            f"verified:{self.verified}",
            f"key:{self.key_id}",
        )
        return "".join(f"{line}\n" for line in lines).encode()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def milliseconds(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def moment_of(timestamp: int) -> datetime:
    return EPOCH + timedelta(milliseconds=timestamp)


def key_id_of(public_key: bytes) -> str:
    """A key's id: the SHA-256 of its raw 32 bytes, in hex."""
    return hashlib.sha256(public_key).hexdigest()
