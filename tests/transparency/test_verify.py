"""`undersigned verify` against a real server: an honest letter verifies, and a signature
added to or removed from the database behind the log's back, a rolled-back log, a changed
entry and a receipt's later withdrawal are all shown."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from tests.conftest import signed_and_confirmed
from tests.transparency.conftest import fold
from undersigned.letters.models import Letter
from undersigned.signing.counts import LetterCount, count_add_many
from undersigned.signing.models import Signature, State
from undersigned.signing.signatures import SignatureInput, signature_create, signature_withdraw
from undersigned.transparency.models import LogEntry, LogNode, LogState, TreeHead
from undersigned.transparency.receipts import receipt_json, receipt_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def verify(*args: str) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify", *args, "--wait", "0.1", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def letter_url(live_server: LiveServer, letter: Letter) -> str:
    return f"{live_server.url}/letters/{letter.slug}/"


def sign_many(letter: Letter, prefix: str, count: int) -> list[Signature]:
    signatures = [signed_and_confirmed(letter, f"{prefix}{n}@example.org") for n in range(count)]
    fold()
    return signatures


def shard_bump(signature_id: int, letter: Letter, by: int) -> None:
    """The count moved as a real confirmation (or withdrawal) moves it, with no event."""
    count_add_many(letter_id=letter.pk, changes=[(signature_id, LetterCount(by, 0))])


def test_it_verifies_an_honest_letter(live_server: LiveServer, petition: Letter, tmp_path: Path):
    sign_many(petition, "a", 3)
    sign_many(petition, "b", 2)
    code, out = verify(letter_url(live_server, petition), "--state", str(tmp_path / "s.json"))
    assert code == 0, out
    assert out.startswith("VERIFIED: 5 signatures (0 verified)")
    assert "log of 5 entries, 2 signed heads, consistent" in out
    assert "the count on the letter page matches" in out
    kept = json.loads((tmp_path / "s.json").read_text())
    assert kept["head"]["size"] == 5

    sign_many(petition, "c", 1)
    code, out = verify(letter_url(live_server, petition), "--state", str(tmp_path / "s.json"))
    assert code == 0, out
    assert "consistent with the head kept from" in out


def test_it_catches_a_signature_counted_without_an_event(
    live_server: LiveServer, petition: Letter, tmp_path: Path
):
    sign_many(petition, "a", 2)
    data = SignatureInput(
        name="Fake", email="fake@example.org", display="full", consent_updates=False, details={}
    )
    fake = signature_create(letter=petition, data=data)
    Signature.objects.filter(pk=fake.pk).update(
        state=State.COUNTED, level="confirmed", confirmed_at=timezone.now()
    )
    shard_bump(fake.pk, petition, 1)
    fold()
    code, out = verify(letter_url(live_server, petition), "--state", str(tmp_path / "s.json"))
    assert code == 1
    assert out.startswith("FAILED: the letter shows 3 signatures (0 verified)")
    assert "the log adds up to 2" in out


def test_it_catches_a_signature_deleted_from_the_database(
    live_server: LiveServer, petition: Letter, tmp_path: Path
):
    real = sign_many(petition, "a", 3)[1]
    Signature.objects.filter(pk=real.pk).delete()
    shard_bump(real.pk, petition, -1)
    code, out = verify(letter_url(live_server, petition), "--state", str(tmp_path / "s.json"))
    assert code == 1
    assert "the letter shows 2 signatures (0 verified), but the log adds up to 3" in out


def test_it_catches_a_log_rolled_back_after_it_kept_a_later_head(
    live_server: LiveServer, petition: Letter, tmp_path: Path
):
    state = str(tmp_path / "s.json")
    sign_many(petition, "a", 3)
    sign_many(petition, "b", 2)
    assert verify(letter_url(live_server, petition), "--state", state)[0] == 0

    LogEntry.objects.filter(letter=petition, index__gte=3).delete()
    nodes = LogNode.objects.annotate(end=(F("index") + 1) * (2 ** F("level")))
    nodes.filter(letter=petition, end__gt=3).delete()
    TreeHead.objects.filter(letter=petition, size__gt=3).delete()
    LogState.objects.filter(letter=petition).update(size=3)
    code, out = verify(letter_url(live_server, petition), "--state", state)
    assert code == 1
    assert "LOG ROLLED BACK: a head of size 5" in out
    assert "the log now has only 3 entries" in out


def test_it_catches_a_changed_entry(live_server: LiveServer, petition: Letter, tmp_path: Path):
    sign_many(petition, "a", 4)
    row = LogEntry.objects.get(letter=petition, index=2)
    changed = bytes(row.entry).replace(b'"total_delta":1', b'"total_delta":0')
    LogEntry.objects.filter(letter=petition, index=2).update(entry=changed)
    code, out = verify(letter_url(live_server, petition), "--state", str(tmp_path / "s.json"))
    assert code == 1
    assert "entry 2's leaf_hash is not the hash of its bytes" in out
    assert "an entry was changed, added or removed" in out


def test_it_checks_a_receipt_and_shows_its_later_withdrawal(
    live_server: LiveServer, petition: Letter, tmp_path: Path
):
    signatures = sign_many(petition, "a", 3)
    found = receipt_of(signatures[1].pk)
    assert found is not None
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(receipt_json(found)))
    assert signature_withdraw(signature_id=signatures[1].pk)
    fold()
    code, out = verify(
        letter_url(live_server, petition),
        "--state",
        str(tmp_path / "s.json"),
        "--receipt",
        str(receipt),
    )
    assert code == 0, out
    assert out.startswith("VERIFIED: 2 signatures")
    assert "receipt: entry 1 (confirmed," in out
    assert "receipt: later entry 3: withdrawn at" in out
    assert "the signature is no longer counted (withdrawn)" in out
