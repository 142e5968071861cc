"""The byte formats: what docs/transparency.md shows, to the byte, so that a second
verifier written from the page agrees with this one."""

import hashlib

import pytest

from tests.transparency.conftest import commitment, head_bytes
from undersigned.transparency.formats import (
    Entry,
    Head,
    commitment_of,
    entry_decoded,
    milliseconds,
    minute_of,
    moment_of,
)

SALT = bytes(range(32))
DOCUMENTED_COMMITMENT = "0b44b5928ab40c6ec63caa39d486ec67026d82b795b27dcbcaa13b52b7bc7c31"
DOCUMENTED_ENTRY = (
    '{"commitment":"0b44b5928ab40c6ec63caa39d486ec67026d82b795b27dcbcaa13b52b7bc7c31",'
    '"format":1,"kind":"confirmed","level":"confirmed",'
    '"text_hash":"c99f0454cbdc4c0aee136de7618c9a45a5a227db0ff0c2eb992138bc02b9ec72",'
    '"time":"2026-05-03T14:07:00Z","total_delta":1,"verified_delta":0}'
)


def test_it_commits_to_a_signature_as_documented() -> None:
    made = commitment_of(salt=SALT, log_id="drop-the-contract", signature_id=4711)
    assert made.hex() == DOCUMENTED_COMMITMENT
    assert commitment(SALT.hex(), "drop-the-contract", 4711) == DOCUMENTED_COMMITMENT


def test_it_encodes_an_entry_as_documented() -> None:
    entry = Entry(
        kind="confirmed",
        commitment=bytes.fromhex(DOCUMENTED_COMMITMENT),
        level="confirmed",
        total_delta=1,
        verified_delta=0,
        text_hash="c99f0454cbdc4c0aee136de7618c9a45a5a227db0ff0c2eb992138bc02b9ec72",
        time="2026-05-03T14:07:00Z",
    )
    assert entry.encoded() == DOCUMENTED_ENTRY.encode()
    assert entry_decoded(DOCUMENTED_ENTRY.encode()) == entry


@pytest.mark.parametrize(
    "raw",
    [
        DOCUMENTED_ENTRY.replace(",", ", ", 1),
        DOCUMENTED_ENTRY.replace('"format":1', '"format":2'),
        DOCUMENTED_ENTRY.replace(',"verified_delta":0', ""),
        "not json",
    ],
)
def test_it_refuses_an_entry_not_in_canonical_form(raw: str) -> None:
    with pytest.raises(ValueError):
        entry_decoded(raw.encode())


def test_it_signs_a_head_as_documented() -> None:
    head = Head(
        log_id="drop-the-contract",
        size=1,
        root=hashlib.sha256(b"\x00" + DOCUMENTED_ENTRY.encode()).digest(),
        timestamp=1777817245123,
        total=1,
        verified=0,
        key_id="ab" * 32,
    )
    published = {
        "log": head.log_id,
        "size": head.size,
        "root": head.root.hex(),
        "timestamp": head.timestamp,
        "total": head.total,
        "verified": head.verified,
        "key_id": head.key_id,
    }
    assert head.signed_bytes() == head_bytes(published)
    assert head.signed_bytes().decode().splitlines()[0] == "undersigned-tree-head:v1"


def test_it_rounds_times_down_to_the_minute_in_utc() -> None:
    moment = moment_of(1777817245123)
    assert milliseconds(moment) == 1777817245123
    assert minute_of(moment) == "2026-05-03T14:07:00Z"
