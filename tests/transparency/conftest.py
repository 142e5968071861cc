"""Helpers for the log's tests: appending as the worker does, and a verifier written from
docs/transparency.md alone, using only the public endpoints, lib/merkle.py's verifiers and
cryptography's Ed25519, never the app's own formats or keys modules."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.test import Client

from undersigned.letters.models import Letter
from undersigned.lib import merkle
from undersigned.transparency.appending import Folded, log_fold

KEYS_PATH = "/.well-known/undersigned-log-keys.json"


def fold() -> Folded:
    """Append everything waiting, as the worker's round does."""
    return log_fold(passes=10_000)


def get_json(path: str, status: int = 200) -> Any:
    response = Client().get(path)
    assert response.status_code == status, (path, response.content)
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def log_path(letter: Letter, rest: str) -> str:
    return f"/letters/{letter.slug}/log/{rest}"


def keys() -> dict[str, dict[str, Any]]:
    return {key["key_id"]: key for key in get_json(KEYS_PATH)["keys"]}


def head_bytes(head: dict[str, Any]) -> bytes:
    """The signed text of a head, as docs/transparency.md spells it."""
    lines = [
        "undersigned-tree-head:v1",
        f"log:{head['log']}",
        f"size:{head['size']}",
        f"root:{head['root']}",
        f"timestamp:{head['timestamp']}",
        f"total:{head['total']}",
        f"verified:{head['verified']}",
        f"key:{head['key_id']}",
    ]
    return "".join(line + "\n" for line in lines).encode()


def head_verifies(head: dict[str, Any], published: dict[str, dict[str, Any]]) -> bool:
    key = published.get(head["key_id"])
    if key is None:
        return False
    public = bytes.fromhex(key["public_key"])
    if hashlib.sha256(public).hexdigest() != head["key_id"]:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            bytes.fromhex(head["signature"]), head_bytes(head)
        )
    except InvalidSignature:
        return False
    return True


def commitment(salt_hex: str, log: str, signature_id: int) -> str:
    text = f"undersigned-commitment:v1\nsalt:{salt_hex}\nlog:{log}\nsignature:{signature_id}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def leaf(entry: str) -> bytes:
    return hashlib.sha256(b"\x00" + entry.encode()).digest()


@dataclass
class PublicLog:
    """A letter's log as anyone reads it."""

    letter: Letter

    def head(self) -> dict[str, Any]:
        return get_json(log_path(self.letter, "head.json"))

    def heads(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        path: str | None = log_path(self.letter, "heads.json")
        while path:
            page = get_json(path)
            found.extend(page["heads"])
            path = page["next"]
        return found

    def entries(self, size: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while len(found) < size:
            start = len(found)
            page = get_json(log_path(self.letter, f"entries.json?start={start}&end={size}"))
            assert page["entries"], page
            found.extend(page["entries"])
        return found

    def inclusion_verifies(self, index: int, head: dict[str, Any]) -> bool:
        path = f"proof/inclusion.json?index={index}&size={head['size']}"
        proof = get_json(log_path(self.letter, path))
        return merkle.verify_inclusion(
            leaf(proof["entry"]),
            index,
            head["size"],
            [bytes.fromhex(node) for node in proof["proof"]],
            bytes.fromhex(head["root"]),
        )

    def consistency_verifies(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        path = f"proof/consistency.json?first={old['size']}&second={new['size']}"
        proof = get_json(log_path(self.letter, path))
        return merkle.verify_consistency(
            old["size"],
            new["size"],
            bytes.fromhex(old["root"]),
            bytes.fromhex(new["root"]),
            [bytes.fromhex(node) for node in proof["proof"]],
        )
