"""Every change of a signature's state appends an event, in the transaction that moves the
count, holding no name and no address; the count can be proven from the events alone."""

import io

import pytest
from django.core.management import call_command

from tests.conftest import signed_and_confirmed
from tests.signing.conftest import cells_containing, reconcile
from undersigned.letters.models import Letter
from undersigned.signing.events import event_record
from undersigned.signing.holds import signature_clear, signature_hold, signature_invalidate
from undersigned.signing.models import CountShard, EventKind, SignatureEvent
from undersigned.signing.signatures import signature_withdraw


def events(letter: Letter) -> list[tuple[str, str, int, int]]:
    rows = SignatureEvent.objects.filter(letter=letter).order_by("pk")
    return list(rows.values_list("kind", "level", "total_delta", "verified_delta"))


def test_it_records_each_change_of_state_with_what_it_did_to_the_count(
    academic_letter: Letter, petition: Letter
) -> None:
    ada = signed_and_confirmed(
        academic_letter, "ada@stanford.edu", "Ada Lovelace", affiliation="Stanford", title="Prof"
    )
    signed_and_confirmed(petition, "bob@gmail.com", "Bob Plain")
    signature_hold(signature_id=ada.pk)
    signature_clear(signature_id=ada.pk)
    signature_invalidate(signature_id=ada.pk)
    signature_withdraw(signature_id=ada.pk)

    assert events(petition) == [(EventKind.CONFIRMED, "confirmed", 1, 0)]
    assert events(academic_letter) == [
        (EventKind.VERIFIED, "verified", 1, 1),
        (EventKind.HELD, "verified", -1, -1),
        (EventKind.CLEARED, "verified", 1, 1),
        (EventKind.INVALIDATED, "verified", -1, -1),
        (EventKind.WITHDRAWN, "verified", 0, 0),  # it counted no more
    ]
    # The withdrawn signature is gone; its events stay, and still add up to the count.
    assert SignatureEvent.objects.filter(signature_id=ada.pk).count() == 5
    assert "All counts match their signatures" in reconcile("--check")


def test_it_keeps_no_name_and_no_address_in_the_events(petition: Letter) -> None:
    suzie = signed_and_confirmed(petition, "suzie.q@example.org", "Suzie Quennell")
    signature_withdraw(signature_id=suzie.pk)

    for text in ("Suzie", "Quennell", "suzie.q@example.org", "example.org"):
        assert not [cell for cell in cells_containing(text) if "signatureevent" in cell]


def test_it_proves_the_count_from_the_events_and_reports_a_count_changed_without_one(
    petition: Letter,
) -> None:
    signed_and_confirmed(petition, "suzie@example.org")
    assert "Their signature events add up to them too." in reconcile("--check")

    # A signature counted, shard and row alike, but with no event: only the events can
    # tell, and they are reported, never rewritten to match.
    signature = signed_and_confirmed(petition, "sam@example.org")
    SignatureEvent.objects.filter(signature_id=signature.pk).delete()

    for args in (["--check"], []):
        out = io.StringIO()
        with pytest.raises(SystemExit) as exit_status:
            call_command("reconcile_counts", *args, stdout=out)
        assert exit_status.value.code == 1
        assert (
            "drop-the-contract: signature events sum to 1 (0 verified), signatures 2 (0 verified)"
        ) in out.getvalue()
    assert SignatureEvent.objects.filter(letter=petition).count() == 1
    assert sum(CountShard.objects.filter(letter=petition).values_list("signatures", flat=True)) == 2


@pytest.mark.django_db(transaction=True)  # no test transaction around the call
def test_it_refuses_to_write_an_event_outside_a_transaction(petition: Letter) -> None:
    signature = signed_and_confirmed(petition, "suzie@example.org")

    with pytest.raises(RuntimeError):
        event_record(signature, EventKind.HELD, counted=0)
