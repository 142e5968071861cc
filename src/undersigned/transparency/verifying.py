"""`undersigned verify`: a letter's log, a signer's receipt or a delivery manifest, checked
from the public endpoints alone (docs/transparency.md, "Verifying a letter").

Nothing here reads the database or the app's own formats: it fetches JSON over HTTP with
urllib, rebuilds every signed and hashed byte string from the documented formats, and
checks them with lib/merkle.py's RFC 9162 verifiers and cryptography's Ed25519. It could
run on a journalist's laptop against any instance.
"""

import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from undersigned.lib import merkle

PAGE = 1000
TIMEOUT = 30
HEAD_DOMAIN = "undersigned-tree-head:v1"
COMMITMENT_DOMAIN = "undersigned-commitment:v1"
MANIFEST_DOMAIN = "undersigned-delivery-manifest:v1"
MANIFEST_FORMAT = 1
KEYS_PATH = "/.well-known/undersigned-log-keys.json"
ENTRY_KEYS = {
    "commitment",
    "format",
    "kind",
    "level",
    "text_hash",
    "time",
    "total_delta",
    "verified_delta",
}
# What a signer's later entry of the same commitment says became of the signature.
UNCOUNTING = {"withdrawn", "invalidated", "held", "paper_removed"}

Progress = Callable[[str], None]
Json = dict[str, Any]


class Unreachable(Exception):
    """An endpoint did not answer with the JSON it documents."""


def _quiet(_message: str) -> None:
    pass


@dataclass
class Report:
    """What a check found: the failures (none: verified), notes, and the verdict's words."""

    summary: str = ""
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, reason: str) -> None:
        self.failures.append(reason)

    def text(self) -> str:
        if self.ok:
            lines = [f"VERIFIED: {self.summary}"]
        else:
            lines = ["FAILED: " + self.failures[0]]
            lines += [f"  - {reason}" for reason in self.failures[1:]]
            if self.summary:
                lines.append(f"  (what was read: {self.summary})")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def canonical(value: Any) -> bytes:
    """Compact JSON, keys sorted, every non-ASCII character escaped: ASCII bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def head_bytes(head: Json) -> bytes:
    lines = [
        HEAD_DOMAIN,
        f"log:{head['log']}",
        f"size:{head['size']}",
        f"root:{head['root']}",
        f"timestamp:{head['timestamp']}",
        f"total:{head['total']}",
        f"verified:{head['verified']}",
        f"key:{head['key_id']}",
    ]
    return "".join(line + "\n" for line in lines).encode()


def manifest_bytes(manifest: Json) -> bytes:
    """What a delivery manifest's signature signs: a domain line, then the manifest
    without its `signature`, canonical."""
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    return f"{MANIFEST_DOMAIN}\n".encode() + canonical(unsigned)


def commitment_of(salt_hex: str, log: str, signature_id: int) -> str:
    text = f"{COMMITMENT_DOMAIN}\nsalt:{salt_hex}\nlog:{log}\nsignature:{signature_id}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def _iso_moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _hex(value: Any, size: int) -> bytes:
    raw = bytes.fromhex(value) if isinstance(value, str) else b""
    if len(raw) != size:
        raise ValueError(f"not {size} bytes of hex: {value!r}")
    return raw


def signature_problem(
    signed: bytes, signature_hex: str, key_id: str, keys: dict[str, Json], at_ms: int | None
) -> str | None:
    """Why a signature by the key `key_id` of this instance does not hold, or None."""
    key = keys.get(key_id)
    if key is None:
        return f"key {key_id[:16]}… is not among the instance's published keys"
    try:
        public = _hex(key["public_key"], 32)
        signature = _hex(signature_hex, 64)
    except (KeyError, ValueError) as error:
        return f"malformed key or signature: {error}"
    if hashlib.sha256(public).hexdigest() != key_id:
        return f"key {key_id[:16]}… is not the SHA-256 of its public key"
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, signed)
    except InvalidSignature:
        return f"its Ed25519 signature does not verify with key {key_id[:16]}…"
    if at_ms is not None:
        moment = datetime.fromtimestamp(at_ms / 1000, UTC)
        created, retired = key.get("created"), key.get("retired")
        if created and moment < _iso_moment(created).replace(microsecond=0):
            return f"signed at {moment:%Y-%m-%d %H:%M:%S}Z, before its key was made"
        if retired and moment > _iso_moment(retired):
            return f"signed at {moment:%Y-%m-%d %H:%M:%S}Z, after its key was retired ({retired})"
    return None


class Instance:
    """One letter's public endpoints on one instance."""

    def __init__(self, origin: str, slug: str, progress: Progress = _quiet) -> None:
        self.origin, self.slug, self.progress = origin.rstrip("/"), slug, progress

    def get(self, path: str, *, missing_ok: bool = False) -> Any:
        url = path if "://" in path else self.origin + path
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise Unreachable(f"not an http(s) address: {url}")
        request = urllib.request.Request(  # noqa: S310 (http or https only, checked above)
            url, headers={"Accept": "application/json", "User-Agent": "undersigned-verify/1"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 # nosec B310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if missing_ok and error.code == 404:
                return None
            body = error.read()[:300].decode(errors="replace")
            raise Unreachable(f"{url} answered {error.code}: {body}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise Unreachable(f"{url}: {error}") from None

    def log(self, rest: str) -> str:
        return f"/letters/{self.slug}/log/{rest}"

    def keys(self) -> dict[str, Json]:
        return {key["key_id"]: key for key in self.get(KEYS_PATH)["keys"]}

    def head(self) -> Json:
        return self.get(self.log("head.json"))

    def heads(self) -> list[Json]:
        found: list[Json] = []
        path: str | None = self.log("heads.json")
        while path:
            page = self.get(path)
            found.extend(page["heads"])
            path = page["next"]
        return found

    def entries(self, size: int) -> list[Json]:
        found: list[Json] = []
        while len(found) < size:
            start = len(found)
            end = min(size, start + PAGE)
            page = self.get(self.log(f"entries.json?start={start}&end={end}"))
            if not page["entries"]:
                raise Unreachable(f"entries.json stopped at {start} of {size}")
            found.extend(page["entries"])
            if size > PAGE:
                self.progress(f"entries: {len(found):,} of {size:,}")
        return found

    def consistency(self, first: int, second: int) -> list[bytes] | None:
        """The proof, or None if the instance refuses it (a size it does not have)."""
        try:
            proof = self.get(self.log(f"proof/consistency.json?first={first}&second={second}"))
        except Unreachable:
            return None
        return [bytes.fromhex(node) for node in proof["proof"]]

    def inclusion(self, index: int, size: int) -> Json:
        return self.get(self.log(f"proof/inclusion.json?index={index}&size={size}"))

    def count(self) -> tuple[int, int]:
        """The count the letter shows: (total, verified)."""
        found = self.get(f"/letters/{self.slug}/count.json", missing_ok=True)
        if found is None:
            found = self.get(f"/api/v1/petitions/{self.slug}/count/")
        return int(found["total_signatures"]), int(found["verified"])


def letter_of(url: str) -> tuple[str, str]:
    """The origin and the letter's slug of a letter's address (any page of it)."""
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an address: {url}")
    segments = [segment for segment in parts.path.split("/") if segment]
    if "letters" in segments and segments.index("letters") + 1 < len(segments):
        slug = segments[segments.index("letters") + 1]
    elif segments:
        slug = segments[-1]
    else:
        raise ValueError(f"no letter in {url}")
    return f"{parts.scheme}://{parts.netloc}", slug


def state_default(origin: str, slug: str) -> Path:
    host = urllib.parse.urlsplit(origin).netloc.replace(":", "_")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "undersigned" / "verify" / f"{host}-{slug}.json"


def _consistent(instance: Instance, old: Json, new: Json) -> bool:
    if old["size"] > new["size"]:
        return False
    if old["size"] == new["size"]:
        return old["root"] == new["root"]
    proof = instance.consistency(old["size"], new["size"])
    return proof is not None and merkle.verify_consistency(
        old["size"], new["size"], bytes.fromhex(old["root"]), bytes.fromhex(new["root"]), proof
    )


@dataclass
class Sums:
    """What a run of entries adds up to, and the per-level split."""

    total: int = 0
    verified: int = 0
    paper: int = 0
    # Every prefix's (total, verified), to find the size a delivered count was read at.
    prefixes: set[tuple[int, int]] = field(default_factory=lambda: {(0, 0)})

    @property
    def confirmed(self) -> int:
        return self.total - self.verified - self.paper


def _parsed(raw: str) -> Json:
    value = json.loads(raw)
    if not isinstance(value, dict) or set(value) != ENTRY_KEYS or value["format"] != 1:
        raise ValueError("not the eight keys of format 1")
    if canonical(value) != raw.encode():
        raise ValueError("not in canonical form")
    return value


def entries_check(instance: Instance, head: Json, report: Report) -> tuple[Sums, list[Json]]:
    """Every entry up to the head's size: parsed, hashed, summed, and the root rebuilt."""
    rows = instance.entries(head["size"])
    sums = Sums()
    parsed: list[Json] = []
    leaves = []
    for position, row in enumerate(rows):
        if row.get("index") != position:
            report.fail(f"entries.json gave index {row.get('index')} where {position} belongs")
            return sums, parsed
        try:
            entry = _parsed(row["entry"])
        except (ValueError, KeyError, TypeError) as error:
            report.fail(f"entry {position} is not a valid entry: {error}")
            entry = {"total_delta": 0, "verified_delta": 0, "level": "", "commitment": ""}
        leaf = merkle.leaf_hash(row["entry"].encode())
        if leaf.hex() != row.get("leaf_hash"):
            report.fail(f"entry {position}'s leaf_hash is not the hash of its bytes")
        leaves.append(leaf)
        parsed.append(entry)
        sums.total += int(entry["total_delta"])
        sums.verified += int(entry["verified_delta"])
        if entry["level"] == "paper":
            sums.paper += int(entry["total_delta"])
        sums.prefixes.add((sums.total, sums.verified))
    rebuilt = merkle.root_from_frontier(merkle.frontier_append(merkle.Frontier(), leaves).frontier)
    if rebuilt.hex() != head["root"]:
        report.fail(
            f"the root of the {len(rows):,} entries is {rebuilt.hex()[:16]}…, not the latest "
            f"head's {head['root'][:16]}…: an entry was changed, added or removed"
        )
    if (sums.total, sums.verified) != (head["total"], head["verified"]):
        report.fail(
            f"the entries add up to {sums.total:,} ({sums.verified:,} verified), not the "
            f"head's {head['total']:,} ({head['verified']:,} verified)"
        )
    return sums, parsed


def heads_check(instance: Instance, keys: dict[str, Json], report: Report) -> list[Json]:
    heads = instance.heads()
    if not heads:
        report.fail("the log has no signed head")
        return heads
    instance.progress(f"heads: {len(heads):,}; checking their signatures and consistency")
    for number, head in enumerate(heads):
        if head.get("log") != heads[0]["log"]:
            report.fail(f"head of size {head.get('size')} names another log: {head.get('log')}")
        problem = signature_problem(
            head_bytes(head), head["signature"], head["key_id"], keys, head["timestamp"]
        )
        if problem:
            report.fail(f"the head of size {head['size']:,}: {problem}")
        if number == 0:
            continue
        previous = heads[number - 1]
        if head["size"] <= previous["size"]:
            report.fail(f"head sizes do not increase: {previous['size']} then {head['size']}")
        elif not _consistent(instance, previous, head):
            report.fail(
                f"the head of size {head['size']:,} is not consistent with the one of size "
                f"{previous['size']:,}: the log was rewritten"
            )
    return heads


def _state_read(path: Path) -> Json | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value.get("head") if isinstance(value, dict) else None


def _state_write(path: Path, url: str, head: Json) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"letter": url, "head": head, "checked": datetime.now(UTC).isoformat()}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(body, indent=2))
    temporary.replace(path)


def letter_verify(
    url: str,
    *,
    state: Path | None = None,
    receipt: Json | None = None,
    wait: float = 3.0,
    progress: Progress = _quiet,
) -> Report:
    """Check a letter's whole log and its count against its public endpoints."""
    report = Report()
    try:
        origin, slug = letter_of(url)
        instance = Instance(origin, slug, progress)
        _letter_check(instance, url, state or state_default(origin, slug), receipt, wait, report)
    except (Unreachable, ValueError, KeyError, TypeError) as error:
        report.fail(f"could not read the log: {error}")
    return report


def _letter_check(
    instance: Instance,
    url: str,
    state: Path,
    receipt: Json | None,
    wait: float,
    report: Report,
) -> None:
    progress = instance.progress
    progress(f"keys and heads of {instance.slug} at {instance.origin}")
    keys = instance.keys()
    heads = heads_check(instance, keys, report)
    if not heads:
        return
    latest = heads[-1]
    kept = _state_read(state)
    rolled_back = False
    if kept is not None:
        if kept.get("log") != latest["log"]:
            report.notes.append(f"the kept head in {state} is of another log; not compared")
        elif signature_problem(head_bytes(kept), kept["signature"], kept["key_id"], keys, None):
            report.notes.append(f"the kept head in {state} does not verify; not compared")
        elif kept["size"] > latest["size"]:
            rolled_back = True
            report.fail(
                f"LOG ROLLED BACK: a head of size {kept['size']:,} signed on {kept['time']} "
                f"was kept, and the log now has only {latest['size']:,} entries"
            )
        elif not _consistent(instance, kept, latest):
            rolled_back = True
            report.fail(
                f"LOG ROLLED BACK OR REWRITTEN: the latest head (size {latest['size']:,}) is "
                f"not consistent with the head of size {kept['size']:,} kept from "
                f"{kept['time']}"
            )
    progress(f"entries: {latest['size']:,}")
    sums, entries = entries_check(instance, latest, report)
    total, verified = instance.count()
    caught_up = ""
    if (total, verified) != (sums.total, sums.verified):
        progress(f"the count ({total:,}) is not the log's ({sums.total:,}); trying again")
        time.sleep(wait)
        newer = instance.head()
        total, verified = instance.count()
        if newer["size"] != latest["size"] and (newer["total"], newer["verified"]) == (
            total,
            verified,
        ):
            problem = signature_problem(
                head_bytes(newer), newer["signature"], newer["key_id"], keys, newer["timestamp"]
            )
            if problem is None and _consistent(instance, latest, newer):
                caught_up = (
                    f" (it was ahead of the head checked; a head of size {newer['size']:,}, "
                    "signed since and consistent with it, adds up to it)"
                )
                report.notes.append(
                    "the count moved while checking: entries past "
                    f"{latest['size']:,} were only checked through that newer head"
                )
        if not caught_up:
            report.fail(
                f"the letter shows {total:,} signatures ({verified:,} verified), but the log "
                f"adds up to {sums.total:,} ({sums.verified:,} verified)"
            )
    if receipt is not None:
        _receipt_check(instance, receipt, latest, entries, keys, report)
    if not rolled_back and report.ok:
        _state_write(state, url, latest)
    report.summary = (
        f"{sums.total:,} signatures ({sums.verified:,} verified) on {instance.slug}, log of "
        f"{latest['size']:,} entries, {len(heads):,} signed heads, consistent"
        + (f" with the head kept from {kept['time']}" if kept and not rolled_back else "")
        + f"; the count on the letter page matches{caught_up}."
    )


def _receipt_check(
    instance: Instance,
    receipt: Json,
    latest: Json,
    entries: list[Json],
    keys: dict[str, Json],
    report: Report,
) -> None:
    index = receipt["index"]
    commitment = commitment_of(receipt["salt"], receipt["log"], receipt["signature_id"])
    if commitment != receipt["commitment"]:
        report.fail("receipt: its commitment is not the one its salt and signature id make")
    try:
        first = _parsed(receipt["entry"])
    except ValueError as error:
        report.fail(f"receipt: its entry is not valid: {error}")
        return
    if first["commitment"] != commitment:
        report.fail("receipt: its entry holds another commitment")
    head = receipt["head"]
    problem = signature_problem(
        head_bytes(head), head["signature"], head["key_id"], keys, head["timestamp"]
    )
    if problem:
        report.fail(f"receipt: its head {problem}")
    elif not _consistent(instance, head, latest):
        report.fail("receipt: its head is not consistent with the latest")
    if index >= latest["size"]:
        report.fail(f"receipt: entry {index} is not in the log of {latest['size']:,} entries")
        return
    proof = instance.inclusion(index, latest["size"])
    included = merkle.verify_inclusion(
        merkle.leaf_hash(receipt["entry"].encode()),
        index,
        latest["size"],
        [bytes.fromhex(node) for node in proof["proof"]],
        bytes.fromhex(latest["root"]),
    )
    if not included:
        report.fail(f"receipt: entry {index} is not in the log under the latest head")
        return
    later = [
        (position, entry)
        for position, entry in enumerate(entries)
        if position > index and entry.get("commitment") == commitment
    ]
    notes = report.notes
    notes.append(f"receipt: entry {index:,} ({first['kind']}, {first['time']}) is in the log")
    for position, entry in later:
        notes.append(f"receipt: later entry {position:,}: {entry['kind']} at {entry['time']}")
    if later and later[-1][1]["kind"] in UNCOUNTING:
        notes.append(f"receipt: the signature is no longer counted ({later[-1][1]['kind']})")


def manifest_verify(source: str, *, progress: Progress = _quiet) -> Report:
    """Check a delivery manifest, from its address or a file."""
    report = Report()
    try:
        if "://" in source:
            origin, _slug = letter_of(source)
            manifest = Instance(origin, "", progress).get(source)
        else:
            manifest = json.loads(Path(source).read_text())
        _manifest_check(manifest, progress, report)
    except (Unreachable, ValueError, KeyError, TypeError, OSError) as error:
        report.fail(f"could not check the manifest: {error}")
    return report


def is_manifest(source: str) -> bool:
    if "://" in source:
        return urllib.parse.urlsplit(source).path.endswith("/manifest.json")
    return Path(source).is_file()


def _manifest_check(manifest: Json, progress: Progress, report: Report) -> None:
    if manifest.get("manifest_format") != MANIFEST_FORMAT:
        report.fail(f"not a delivery manifest of format {MANIFEST_FORMAT}")
        return
    origin, slug = letter_of(manifest["letter"]["url"])
    instance = Instance(origin, slug, progress)
    keys = instance.keys()
    problem = signature_problem(
        manifest_bytes(manifest), manifest["signature"], manifest["key_id"], keys, None
    )
    if problem:
        report.fail(f"the manifest's signature: {problem}")
    head = manifest["head"]
    counts = manifest["counts"]
    if head["log"] != manifest["log"]:
        report.fail("the manifest's head is of another log")
    problem = signature_problem(
        head_bytes(head), head["signature"], head["key_id"], keys, head["timestamp"]
    )
    if problem:
        report.fail(f"the manifest's head: {problem}")
    published = {(h["size"], h["root"], h["signature"]) for h in instance.heads()}
    if (head["size"], head["root"], head["signature"]) not in published:
        report.fail(f"the manifest's head (size {head['size']:,}) is not among the log's heads")
    latest = instance.head()
    if not _consistent(instance, head, latest):
        report.fail(
            f"the latest head (size {latest['size']:,}) is not consistent with the manifest's "
            f"(size {head['size']:,}): the log was rolled back or rewritten since"
        )
    sums, _entries = entries_check(instance, head, report)
    found = {
        "total": sums.total,
        "verified": sums.verified,
        "paper": sums.paper,
        "confirmed": sums.confirmed,
    }
    for level, number in found.items():
        if counts.get(level) != number:
            report.fail(
                f"the manifest says {counts.get(level)} {level}, the log at size "
                f"{head['size']:,} adds up to {number:,}"
            )
    delivered = manifest.get("delivered") or {}
    if (delivered.get("total"), delivered.get("verified")) not in sums.prefixes:
        report.fail(
            f"no prefix of the log adds up to the count delivered ({delivered.get('total')}, "
            f"{delivered.get('verified')} verified)"
        )
    report.summary = (
        f"delivery {manifest['delivery']} of {slug}: {counts['total']:,} signatures "
        f"({counts['verified']:,} verified, {counts['paper']:,} on paper), text "
        f"{manifest['text_hash'][:16]}…, signed head of size {head['size']:,}, "
        f"consistent with the latest (size {latest['size']:,})."
    )
