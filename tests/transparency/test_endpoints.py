"""The public endpoints, read as an independent verifier would (conftest.PublicLog): every
head verifies with a published key, every entry hashes to its leaf, every inclusion and
consistency proof verifies with lib/merkle.py's verifiers."""

import json

import pytest
from django.test import Client

from tests.conftest import make_letter, signed_and_confirmed
from tests.transparency.conftest import (
    KEYS_PATH,
    PublicLog,
    fold,
    get_json,
    head_verifies,
    keys,
    leaf,
    log_path,
)
from undersigned.letters.models import Letter
from undersigned.letters.publishing import letter_take_down
from undersigned.organisations.models import Organisation
from undersigned.signing.holds import signature_invalidate
from undersigned.signing.signatures import signature_withdraw
from undersigned.transparency import views

ENTRY_KEYS = [
    "commitment",
    "format",
    "kind",
    "level",
    "text_hash",
    "time",
    "total_delta",
    "verified_delta",
]


def grow(letter: Letter, batches: list[int]) -> None:
    """Sign, confirm and append, a batch at a time: one head per batch."""
    n = 0
    for size in batches:
        for _ in range(size):
            signed_and_confirmed(letter, f"signer{n}@example.org")
            n += 1
        fold()


def test_it_proves_every_entry_in_every_head_and_every_head_consistent_with_every_later(
    petition: Letter,
) -> None:
    grow(petition, [1, 2, 1, 4, 3, 6])
    published = keys()
    log = PublicLog(petition)
    heads = log.heads()
    assert [head["size"] for head in heads] == [1, 3, 4, 8, 11, 17]
    assert log.head() == heads[-1]
    for head in heads:
        assert head_verifies(head, published)
        for index in range(head["size"]):
            assert log.inclusion_verifies(index, head)
    for old in heads:
        for new in heads:
            if old["size"] <= new["size"]:
                assert log.consistency_verifies(old, new)


def test_it_serves_each_entry_as_the_exact_bytes_its_leaf_hashes(petition: Letter) -> None:
    grow(petition, [3])
    ana = signed_and_confirmed(petition, "ana@example.org")
    signature_invalidate(signature_id=ana.pk)
    fold()
    entries = PublicLog(petition).entries(5)
    for index, served in enumerate(entries):
        assert served["index"] == index
        assert leaf(served["entry"]).hex() == served["leaf_hash"]
        decoded = json.loads(served["entry"])
        assert sorted(decoded) == ENTRY_KEYS
        assert json.dumps(decoded, sort_keys=True, separators=(",", ":")) == served["entry"]
        assert decoded["format"] == 1
        assert decoded["text_hash"] == petition.versions.get().text_hash
        assert decoded["time"].endswith(":00Z")
    assert [json.loads(e["entry"])["kind"] for e in entries] == [
        "confirmed",
        "confirmed",
        "confirmed",
        "confirmed",
        "invalidated",
    ]
    assert json.loads(entries[4]["entry"])["total_delta"] == -1
    assert (
        json.loads(entries[3]["entry"])["commitment"]
        == json.loads(entries[4]["entry"])["commitment"]
    )


def test_it_adds_up_the_entries_to_the_head_and_the_count(petition: Letter) -> None:
    grow(petition, [4])
    first = petition.signatures.order_by("pk").first()
    assert first is not None
    signature_withdraw(signature_id=first.pk)
    fold()
    log = PublicLog(petition)
    head = log.head()
    entries = [json.loads(entry["entry"]) for entry in log.entries(head["size"])]
    assert sum(entry["total_delta"] for entry in entries) == head["total"] == 3
    assert sum(entry["verified_delta"] for entry in entries) == head["verified"] == 0
    count = get_json(f"/letters/{petition.slug}/count.json")
    assert count["total_signatures"] == head["total"]


def test_it_pages_entries_and_caches_a_full_range_for_ever(petition: Letter) -> None:
    grow(petition, [5])
    response = Client().get(log_path(petition, "entries.json?start=1&end=3"))
    body = response.json()
    assert [entry["index"] for entry in body["entries"]] == [1, 2]
    assert (body["start"], body["end"]) == (1, 3)
    assert response["Cache-Control"] == views.IMMUTABLE
    # Past the latest head: what there is, for a second only, since more will come.
    response = Client().get(log_path(petition, "entries.json?start=3&end=10"))
    assert [entry["index"] for entry in response.json()["entries"]] == [3, 4]
    assert response.json()["end"] == 5
    assert "max-age=1," in response["Cache-Control"]
    response = Client().get(log_path(petition, "entries.json?start=9"))
    assert response.json()["entries"] == []


def test_it_pages_heads_and_caches_a_full_page_for_ever(
    petition: Letter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "MAX_HEADS", 2)
    grow(petition, [1, 1, 1, 1, 1])
    first = Client().get(log_path(petition, "heads.json"))
    assert [head["size"] for head in first.json()["heads"]] == [1, 2]
    assert first.json()["next"] == log_path(petition, "heads.json?after=2")
    assert first["Cache-Control"] == views.IMMUTABLE
    assert [head["size"] for head in PublicLog(petition).heads()] == [1, 2, 3, 4, 5]
    last = Client().get(log_path(petition, "heads.json?after=4"))
    assert last.json()["next"] is None
    assert "max-age=1," in last["Cache-Control"]


def test_it_caches_the_latest_head_a_second_and_proofs_for_ever(petition: Letter) -> None:
    grow(petition, [3])
    head = Client().get(log_path(petition, "head.json"))
    assert head["Cache-Control"].startswith("public, max-age=1,")
    for path in ("proof/inclusion.json?index=0&size=3", "proof/consistency.json?first=1&second=3"):
        assert Client().get(log_path(petition, path))["Cache-Control"] == views.IMMUTABLE


@pytest.mark.parametrize(
    "path",
    [
        "proof/inclusion.json?index=3&size=3",
        "proof/inclusion.json?index=0&size=4",
        "proof/inclusion.json?index=-1&size=2",
        "proof/inclusion.json?index=0",
        "proof/inclusion.json?index=x&size=2",
        "proof/consistency.json?first=2&second=1",
        "proof/consistency.json?first=0&second=4",
        "entries.json?start=2&end=2",
        "entries.json?start=0&end=1001",
        "entries.json?start=" + "9" * 5000,
        "entries.json?start=\u0661",  # an Arabic-Indic digit one
    ],
)
def test_it_refuses_a_size_or_index_the_log_has_not_signed(petition: Letter, path: str) -> None:
    grow(petition, [3])
    body = get_json(log_path(petition, path), status=400)
    assert body["error"] == "bad_request"
    assert body["detail"]


def test_it_says_an_empty_log_has_no_head_yet(petition: Letter) -> None:
    assert get_json(log_path(petition, "head.json"), status=404)["error"] == "empty"
    assert get_json(log_path(petition, "heads.json"))["heads"] == []
    assert get_json(log_path(petition, "proof/consistency.json?first=0&second=0"))["proof"] == []


def test_it_answers_an_unknown_letter_in_json(db: None) -> None:
    assert get_json("/letters/nobody/log/head.json", status=404)["error"] == "not_found"


def test_it_keeps_the_log_of_a_letter_with_a_count_step_unpublished(
    organisation: Organisation,
) -> None:
    stepped = make_letter(organisation, slug="stepped", count_step=10)
    signed_and_confirmed(stepped, "ana@example.org")
    fold()
    for path in (
        "head.json",
        "heads.json",
        "entries.json?start=0&end=1",
        "proof/inclusion.json?index=0&size=1",
        "proof/consistency.json?first=0&second=1",
    ):
        body = get_json(log_path(stepped, path), status=404)
        assert body["error"] == "count_stepped"
        assert "steps of 10" in body["detail"]


def test_it_answers_a_taken_down_letter_as_gone(petition: Letter) -> None:
    grow(petition, [1])
    letter_take_down(letter=petition, reason="spam")
    response = Client().get(log_path(petition, "head.json"))
    assert response.status_code == 410
    assert response.json()["taken_down"] is True


def test_it_publishes_every_key_with_its_id_and_times(petition: Letter) -> None:
    grow(petition, [1])
    response = Client().get(KEYS_PATH)
    assert "public, max-age=60," in response["Cache-Control"]
    [key] = response.json()["keys"]
    assert key["algorithm"] == "Ed25519"
    assert len(bytes.fromhex(key["public_key"])) == 32
    assert key["retired"] is None
    assert key["created"].endswith("Z")
    assert sorted(key) == ["algorithm", "created", "key_id", "public_key", "retired"]
