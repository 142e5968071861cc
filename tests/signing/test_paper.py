"""Signatures on paper (signing/paper.py): counted in the total and never as verified,
kept in their batch, removed with it, never written to, and refused whole when a row is
wrong."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from tests.conftest import make_letter, run_tasks, sign, signed_and_confirmed
from tests.signing.conftest import cells_containing, reconcile
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import Display, FieldRule, Letter, Status
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import LetterCount, letter_count_fresh
from undersigned.signing.holds import signature_invalidate
from undersigned.signing.models import (
    EventKind,
    Level,
    PaperBatch,
    Signature,
    SignatureEvent,
    State,
)
from undersigned.signing.paper import (
    PaperRow,
    PaperRowsRefused,
    paper_batch_record,
    paper_batch_remove,
)
from undersigned.signing.presentation import signatory
from undersigned.signing.recipients import Purpose, recipient, update_addressees, update_addresses

ROWS = [
    PaperRow(name="Ada Okafor", email="ada@example.org", country="Nigeria"),
    PaperRow(name="Bruno Lind", comment="See you at the next rally"),
    PaperRow(name="Chen Wei", email="chen.wei@example.net"),
]


def entered(letter: Letter, by: User, rows: list[PaperRow] = ROWS, label: str = "Rally, 3 May"):
    return paper_batch_record(letter=letter, rows=rows, entered_by=by, label=label)


def test_it_counts_a_batch_in_the_total_and_never_as_verified(
    petition: Letter, organiser: User
) -> None:
    signed_and_confirmed(petition, "suzie@example.org")
    entered(petition, organiser)
    assert letter_count_fresh(petition.pk) == LetterCount(total=4, verified=0)


def test_it_keeps_the_count_exact_for_the_reconciliation(petition: Letter, organiser: User) -> None:
    batch = entered(petition, organiser)
    reconcile("--check")  # exits (SystemExit) on any drift
    paper_batch_remove(batch=batch, removed_by=organiser)
    reconcile("--check")


def test_it_marks_each_signature_as_on_paper_and_keeps_its_batch(
    petition: Letter, organiser: User
) -> None:
    batch = entered(petition, organiser)
    assert (batch.label, batch.rows, batch.entered_by) == ("Rally, 3 May", 3, organiser)
    signatures = Signature.objects.filter(letter=petition).order_by("pk")
    assert [s.name for s in signatures] == ["Ada Okafor", "Bruno Lind", "Chen Wei"]
    assert {(s.level, s.state, s.paper_batch_id) for s in signatures} == {
        (Level.PAPER, State.COUNTED, batch.pk)
    }
    assert all(s.confirmed_at is not None for s in signatures)
    kinds = SignatureEvent.objects.filter(letter=petition).values_list("kind", "total_delta")
    assert sorted(kinds) == [(EventKind.PAPER, 1)] * 3


def test_it_keeps_no_address_written_on_a_sheet(petition: Letter, organiser: User) -> None:
    entered(petition, organiser)
    assert cells_containing("ada@example.org") == []
    assert cells_containing("chen.wei@example.net") == []


def test_it_keeps_no_name_a_signer_on_paper_hid(petition: Letter, organiser: User) -> None:
    row = PaperRow(name="Hidden Hollis", display=Display.ANONYMOUS)
    entered(petition, organiser, [row])
    assert cells_containing("Hidden Hollis") == []
    assert signatory(Signature.objects.get(letter=petition)).name == "Anonymous"


def test_it_gives_each_row_without_an_address_a_key_no_address_has(
    petition: Letter, organiser: User
) -> None:
    entered(petition, organiser, [PaperRow(name="Dee"), PaperRow(name="Dee")])
    keys = list(Signature.objects.filter(letter=petition).values_list("email_key", flat=True))
    assert len(set(keys)) == 2
    assert all(key.startswith("paper:") for key in keys)


def test_it_removes_a_batch_and_the_count_follows(petition: Letter, organiser: User) -> None:
    signed_and_confirmed(petition, "suzie@example.org")
    batch = entered(petition, organiser)
    assert paper_batch_remove(batch=batch, removed_by=organiser) == 3
    assert letter_count_fresh(petition.pk) == LetterCount(total=1, verified=0)
    assert not Signature.objects.filter(paper_batch=batch).exists()
    batch.refresh_from_db()
    assert batch.removed_at is not None
    assert batch.removed_by == organiser
    assert batch.rows == 3  # the record of what was entered stays
    removed = SignatureEvent.objects.filter(kind=EventKind.PAPER_REMOVED)
    assert sorted(removed.values_list("total_delta", flat=True)) == [-1, -1, -1]


def test_it_takes_off_the_count_only_what_still_counted(petition: Letter, organiser: User) -> None:
    batch = entered(petition, organiser)
    invalidated = Signature.objects.filter(paper_batch=batch).first()
    assert invalidated is not None
    signature_invalidate(signature_id=invalidated.pk)
    assert letter_count_fresh(petition.pk).total == 2
    assert paper_batch_remove(batch=batch, removed_by=organiser) == 2
    assert letter_count_fresh(petition.pk).total == 0
    reconcile("--check")


def test_it_removes_a_batch_once(petition: Letter, organiser: User) -> None:
    batch = entered(petition, organiser)
    paper_batch_remove(batch=batch, removed_by=organiser)
    with pytest.raises(ValidationError, match="removed already"):
        paper_batch_remove(batch=batch, removed_by=organiser)
    assert letter_count_fresh(petition.pk).total == 0


def test_it_refuses_the_whole_batch_when_a_row_is_wrong_and_changes_nothing(
    petition: Letter, organiser: User
) -> None:
    rows = [
        PaperRow(name="Ada Okafor", email="ada@example.org"),
        PaperRow(name="Bruno Lind", email="not an address"),
        PaperRow(name="", email="chen@example.net"),
        PaperRow(name="Dana\u202eEvil"),
    ]
    with pytest.raises(PaperRowsRefused) as refused:
        entered(petition, organiser, rows)
    assert set(refused.value.rows) == {2, 3, 4}
    assert set(refused.value.rows[2]) == {"email"}
    assert refused.value.rows[3] == {"name": ["Write the name, or tick “Hide my name”."]}
    assert refused.value.rows[4] == {"name": ["Remove the invisible control characters."]}
    assert "Rows 2, 3, 4 cannot be entered" in refused.value.messages[0]
    assert not Signature.objects.exists()
    assert not PaperBatch.objects.exists()
    assert not SignatureEvent.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="paper.").exists()
    assert letter_count_fresh(petition.pk).total == 0


def test_it_names_rows_by_their_number_on_the_sheet(petition: Letter, organiser: User) -> None:
    rows = [PaperRow(name="Ada", number=7), PaperRow(name="", number=9)]
    with pytest.raises(PaperRowsRefused) as refused:
        entered(petition, organiser, rows)
    assert set(refused.value.rows) == {9}


def test_it_refuses_an_address_that_signed_online(petition: Letter, organiser: User) -> None:
    signed_and_confirmed(petition, "suzie@example.org")
    # The same mailbox, written otherwise: case and a tag.
    rows = [PaperRow(name="Suzie Signer", email="Suzie+rally@Example.org")]
    with pytest.raises(PaperRowsRefused) as refused:
        entered(petition, organiser, rows)
    assert refused.value.rows == {
        1: {"email": ["This address has signed this letter already, online or on paper."]}
    }
    assert Signature.objects.count() == 1


def test_it_refuses_an_address_that_signed_on_paper_before(
    petition: Letter, organiser: User
) -> None:
    entered(petition, organiser)
    with pytest.raises(PaperRowsRefused) as refused:
        entered(petition, organiser, [PaperRow(name="Ada", email="ADA@example.org")])
    assert "email" in refused.value.rows[1]
    assert letter_count_fresh(petition.pk).total == 3


def test_it_refuses_an_address_twice_in_one_batch(petition: Letter, organiser: User) -> None:
    rows = [
        PaperRow(name="Ada", email="ada@example.org"),
        PaperRow(name="Ada again", email="ada+2@example.org"),
    ]
    with pytest.raises(PaperRowsRefused) as refused:
        entered(petition, organiser, rows)
    assert refused.value.rows == {2: {"email": ["This address is on row 1 too."]}}


def test_it_lets_nobody_sign_online_after_signing_on_paper(
    petition: Letter, organiser: User
) -> None:
    entered(petition, organiser)
    assert sign(Client(), petition, email="ada@example.org", name="Ada Okafor").status_code == 302
    run_tasks()
    assert Signature.objects.filter(letter=petition).count() == 3
    assert mail.outbox == []  # not even a reminder: a sheet's address is never written to


def test_it_asks_for_what_the_letter_requires_and_nothing_it_does_not_ask(
    organisation: Organisation, organiser: User
) -> None:
    letter = make_letter(
        organisation, ask_postal_code=FieldRule.REQUIRED, ask_affiliation=FieldRule.OFF
    )
    rows = [
        PaperRow(name="Ada", postal_code="SW1A 1AA"),
        PaperRow(name="Bruno"),
        PaperRow(name="Chen", postal_code="75011", affiliation="Acme"),
        PaperRow(name="Dee", postal_code="1" * 21),
    ]
    with pytest.raises(PaperRowsRefused) as refused:
        entered(letter, organiser, rows)
    assert refused.value.rows[2] == {"postal_code": ["This letter requires it."]}
    assert refused.value.rows[3] == {"affiliation": ["This letter does not ask for it."]}
    assert "at most 20 characters" in refused.value.rows[4]["postal_code"][0]
    assert 1 not in refused.value.rows


def test_it_refuses_a_way_of_showing_names_the_letter_does_not_allow(
    workers_letter: Letter, organiser: User
) -> None:
    with pytest.raises(PaperRowsRefused) as refused:
        entered(workers_letter, organiser, [PaperRow(name="Ada Okafor")])
    assert "display" in refused.value.rows[1]


def test_it_checks_an_address_as_the_sign_form_does(
    workers_letter: Letter, organiser: User
) -> None:
    rows = [PaperRow(name="Ada", email="ada@example.org", display=Display.INITIALS)]
    with pytest.raises(PaperRowsRefused) as refused:
        entered(workers_letter, organiser, rows)
    assert "northwind.example" in refused.value.rows[1]["email"][0]


def test_it_refuses_a_batch_on_a_letter_not_open(petition: Letter, organiser: User) -> None:
    Letter.objects.filter(pk=petition.pk).update(status=Status.CLOSED)
    petition.refresh_from_db()
    with pytest.raises(ValidationError, match="not open"):
        entered(petition, organiser)
    assert not Signature.objects.exists()


def test_it_refuses_a_batch_without_a_label_or_rows(petition: Letter, organiser: User) -> None:
    with pytest.raises(ValidationError, match="Rally, 3 May"):
        entered(petition, organiser, label="  ")
    with pytest.raises(ValidationError, match="no signature"):
        entered(petition, organiser, [])
    assert not PaperBatch.objects.exists()


def test_it_shows_a_signature_on_paper_as_on_paper_and_never_verified(
    academic_letter: Letter, organiser: User
) -> None:
    rows = [PaperRow(name="Prof. Ada", affiliation="MIT", title="Professor")]
    entered(academic_letter, organiser, rows)
    shown = signatory(Signature.objects.get(letter=academic_letter))
    assert (shown.level, shown.verified, shown.verification, shown.paper) == (
        "On paper",
        False,
        "On paper",
        True,
    )
    assert shown.institution == ""
    assert shown.claimed_affiliation == "MIT"
    assert letter_count_fresh(academic_letter.pk) == LetterCount(total=1, verified=0)


def test_it_never_writes_to_a_signature_on_paper(petition: Letter, organiser: User) -> None:
    entered(petition, organiser)
    # Even were an address and a consent somehow on it, the rule refuses it.
    Signature.objects.filter(letter=petition).update(
        email="ada@example.org", contact_email="ada@example.org", consent_updates=True
    )
    signatures = list(Signature.objects.filter(letter=petition).select_related("letter"))
    for signature in signatures:
        for purpose in Purpose:
            if purpose != Purpose.DATA_REQUEST:
                assert recipient(signature, purpose) == "", purpose
    assert set(update_addresses(petition, signatures).values()) == {""}
    assert list(update_addressees(petition)) == []


def test_it_audits_a_batch_entered_and_removed(petition: Letter, organiser: User) -> None:
    batch = entered(petition, organiser)
    paper_batch_remove(batch=batch, removed_by=organiser)
    entries = AuditEntry.objects.filter(target_id=str(batch.pk)).order_by("pk")
    assert [(e.action, e.actor) for e in entries] == [
        ("paper.record", organiser),
        ("paper.remove", organiser),
    ]
    assert entries[0].detail == {"letter": petition.pk, "label": "Rally, 3 May", "rows": 3}
    assert entries[1].detail["off_count"] == 3
    assert "Ada" not in str([e.detail for e in entries])
