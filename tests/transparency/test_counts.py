"""Once writes stop, a letter's log adds up to its count, total and verified, whatever
happened: signing, verifying, withdrawing, holding, clearing, invalidating, restoring,
paper signatures entered and removed. `undersigned transparency check` says so."""

import io
import json

import pytest
from django.core.management import call_command

from tests.conftest import signed_and_confirmed
from tests.transparency.conftest import PublicLog, fold
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.signing.counts import LetterCount, letter_count_fresh
from undersigned.signing.holds import (
    signature_clear,
    signature_hold,
    signature_invalidate,
    signatures_move,
    signatures_restore,
)
from undersigned.signing.models import EventKind, Signature, State
from undersigned.signing.paper import PaperRow, paper_batch_record, paper_batch_remove
from undersigned.signing.signatures import signature_withdraw
from undersigned.transparency.checking import log_check
from undersigned.transparency.models import LogEntry, LogState


def check_command(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("transparency", "check", *args, stdout=out)
    except SystemExit as exit_status:
        return int(exit_status.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_it_adds_up_to_the_count_through_a_whole_campaign(
    petition: Letter, organiser: User
) -> None:
    letter = petition
    professors = [signed_and_confirmed(letter, f"prof{n}@cs.stanford.edu") for n in range(4)]
    personal = signed_and_confirmed(letter, "someone@gmail.com")
    assert Signature.objects.get(pk=professors[0].pk).is_verified
    fold()
    signature_withdraw(signature_id=professors[0].pk)
    signature_hold(signature_id=professors[1].pk)
    signature_clear(signature_id=professors[1].pk)
    signature_invalidate(signature_id=professors[2].pk)
    moved = signatures_move(
        letter_id=letter.pk,
        signature_ids=[professors[3].pk, personal.pk],
        kind=EventKind.INVALIDATED,
    )
    fold()
    signatures_restore(letter_id=letter.pk, moved=moved, now=State.INVALIDATED)
    batch = paper_batch_record(
        letter=letter,
        rows=[PaperRow(name="Ada Okafor"), PaperRow(name="Bo Lind")],
        entered_by=organiser,
        label="Rally, 3 May",
    )
    fold()
    assert log_check(letter).agrees
    paper_batch_remove(batch=batch, removed_by=organiser)

    check = log_check(letter)
    assert check.sound and not check.agrees
    assert (check.waiting, check.waiting_count) == (2, LetterCount(-2, 0))
    fold()
    check = log_check(letter, full=True)
    count = letter_count_fresh(letter.pk)
    assert count == LetterCount(total=3, verified=2)
    assert check.sound, check.problems
    assert check.agrees and check.log == count
    kinds = [json.loads(bytes(row.entry))["kind"] for row in LogEntry.objects.order_by("index")]
    assert kinds == [
        *["verified"] * 4,
        "confirmed",
        "withdrawn",
        "held",
        "cleared",
        "invalidated",
        "invalidated",
        "invalidated",
        "restored",
        "restored",
        "paper",
        "paper",
        "paper_removed",
        "paper_removed",
    ]
    head = PublicLog(letter).head()
    assert (head["total"], head["verified"]) == (3, 2)

    status, said = check_command()
    assert status == 0
    assert f"{letter.slug}: 17 entries adding up to 3 (2 verified); the count is 3" in said
    assert "Every log is sound (1 letters)." in said


def test_it_reports_a_log_that_no_longer_adds_up(petition: Letter) -> None:
    signed_and_confirmed(petition, "ana@example.org")
    signed_and_confirmed(petition, "ben@example.org")
    fold()
    LogState.objects.filter(letter=petition).update(total=5)
    status, said = check_command("--letter", petition.slug)
    assert status == 1
    assert "WRONG: The log's 2 entries add up to" in said


def test_it_reports_an_entry_rewritten_in_the_database(petition: Letter) -> None:
    signed_and_confirmed(petition, "ana@example.org")
    fold()
    row = LogEntry.objects.get()
    LogEntry.objects.filter(pk=row.pk).update(
        entry=bytes(row.entry).replace(b'"total_delta":1', b'"total_delta":2')
    )
    assert check_command()[0] == 0  # the cheap check reads the stored tree, not each entry
    status, said = check_command("--full")
    assert status == 1
    assert "leaf hash is not its bytes' hash" in said


def test_it_refuses_an_unknown_letter(db: None) -> None:
    with pytest.raises(Exception, match="No letter has the address nobody"):
        check_command("--letter", "nobody")
