"""Invariant 3: the count equals the counted signatures, and reconcile_counts proves it."""

import random
import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client

from tests.conftest import sign, signed_and_confirmed
from tests.signing.conftest import confirm_path, in_threads, reconcile
from undersigned.letters.models import Letter
from undersigned.lib.email_address import email_key
from undersigned.signing.counts import Drift, counts_reconcile, shard_for
from undersigned.signing.models import CountShard, Signature

SIGNERS = 8
SIGNATURES_EACH = 25
PEOPLE = 150  # fewer than 8 times 25: some people are signed for twice at the same moment


def public_count(letter: Letter) -> int:
    response = Client().get(f"/letters/{letter.slug}/count.json")
    assert response.status_code == 200
    return int(response.json()["total_signatures"])


@pytest.mark.django_db(transaction=True)
def test_it_counts_exactly_while_many_sign_and_confirm_at_once(petition: Letter) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    done = threading.Event()
    finished = iter(range(1, SIGNERS + 1))
    lock = threading.Lock()
    drifts_seen: list[Drift] = []

    def signer(index: int) -> None:
        client = Client()
        people = [(index * SIGNATURES_EACH + n) % PEOPLE for n in range(SIGNATURES_EACH)]
        emails = [f"signer{person}@example.org" for person in people]
        if index * SIGNATURES_EACH >= PEOPLE:  # the second signer of these people
            emails = [email.upper() for email in emails]
        for email in emails:
            assert sign(client, petition, email=email).status_code == 302
        signatures = Signature.objects.filter(letter=petition)
        ids = [signatures.get(email_key=email_key(e)).pk for e in emails]
        # Out of signing order, so confirmations meet on the same shards; both signers
        # of a person confirm in the same order, so they meet on the same signature.
        random.Random(people[0]).shuffle(ids)
        for signature_id in ids:
            assert client.post(confirm_path(signature_id)).status_code == 200
        with lock:
            if next(finished) == SIGNERS:
                done.set()

    def reconciler() -> None:
        while not done.wait(0.05):
            drifts_seen.extend(counts_reconcile(repair=False))

    in_threads(SIGNERS + 1, lambda i: reconciler() if i == SIGNERS else signer(i))

    assert drifts_seen == []
    assert Signature.objects.filter(letter=petition).count() == PEOPLE
    assert Signature.objects.counted().filter(letter=petition).count() == PEOPLE
    assert public_count(petition) == PEOPLE
    assert "All counts match their signatures (1 letters)." in reconcile("--check")


def test_it_reports_a_corrupted_shard_then_repairs_it(petition: Letter) -> None:
    signatures = [signed_and_confirmed(petition, e) for e in ("ana@example.org", "ben@example.org")]
    shard = shard_for(signatures[0].pk)
    rows = CountShard.objects.filter(letter=petition, shard=shard)
    actual = rows.get().signatures
    rows.update(signatures=F("signatures") + 40)

    with pytest.raises(SystemExit) as exit_status:
        reconcile("--check")
    assert exit_status.value.code == 1
    assert rows.get().signatures == actual + 40  # --check changes nothing

    report = reconcile()
    assert (
        f"drop-the-contract shard {shard}: stored {actual + 40} (0 verified), "
        f"signatures {actual} (0 verified) (repaired)"
    ) in report
    assert "Repaired 1 shard(s)." in report
    assert rows.get().signatures == actual
    assert public_count(petition) == 2
    assert "All counts match" in reconcile("--check")


def test_it_restores_a_lost_shard_row(petition: Letter) -> None:
    signature = signed_and_confirmed(petition, "ana@example.org")
    CountShard.objects.filter(letter=petition).delete()
    assert public_count(petition) == 0

    report = reconcile()

    assert (
        f"shard {shard_for(signature.pk)}: stored 0 (0 verified), signatures 1 (0 verified) "
        "(repaired)"
    ) in report
    assert public_count(petition) == 1


def test_it_shows_a_confirmed_signature_in_the_count_within_the_cache_time(
    petition: Letter, settings: Any
) -> None:
    settings.COUNT_CACHE_SECONDS = 1
    client = Client()
    sign(client, petition, email="ana@example.org")
    assert public_count(petition) == 0  # and now cached

    client.post(confirm_path(Signature.objects.get().pk))
    confirmed_at = time.monotonic()
    while public_count(petition) != 1:
        assert time.monotonic() - confirmed_at <= 2, "the count stayed stale beyond 2 s"
        time.sleep(0.05)
