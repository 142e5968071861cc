"""A signature is pending, counted, held or invalidated; only counted ones count anywhere."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.conftest import make_letter, signed_and_confirmed
from tests.signing.conftest import reconcile
from undersigned.letters.models import Eligibility, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import LetterCount, letter_count_fresh
from undersigned.signing.holds import signature_clear, signature_hold, signature_invalidate
from undersigned.signing.models import Level, Signature, State
from undersigned.signing.public_count import names_revealed
from undersigned.signing.signatures import SignatureInput, signature_create, signature_withdraw


def test_it_keeps_the_verification_level_beside_the_state(academic_letter: Letter) -> None:
    signature = signed_and_confirmed(
        academic_letter, "ada@stanford.edu", affiliation="Stanford", title="Professor"
    )
    assert (signature.state, signature.level) == (State.COUNTED, Level.VERIFIED)

    held = signature_hold(signature_id=signature.pk)

    assert (held.state, held.level) == (State.HELD, Level.VERIFIED)


def test_it_takes_a_held_signature_off_every_count_until_it_is_cleared(
    academic_letter: Letter,
) -> None:
    ada = signed_and_confirmed(
        academic_letter, "ada@stanford.edu", affiliation="Stanford", title="Professor"
    )
    signed_and_confirmed(academic_letter, "bob@mit.edu", affiliation="MIT", title="Professor")
    assert letter_count_fresh(academic_letter.pk) == LetterCount(total=2, verified=2)

    signature_hold(signature_id=ada.pk)

    assert letter_count_fresh(academic_letter.pk) == LetterCount(total=1, verified=1)
    assert list(Signature.objects.counted().values_list("email_domain", flat=True)) == ["mit.edu"]
    assert list(Signature.objects.held().values_list("pk", flat=True)) == [ada.pk]
    page = Client().get(f"/letters/{academic_letter.slug}/signatures/").text
    assert "Ada" not in page
    assert "1 signature" in page
    assert "All counts match their signatures" in reconcile("--check")

    signature_clear(signature_id=ada.pk)

    assert letter_count_fresh(academic_letter.pk) == LetterCount(total=2, verified=2)
    assert "Ada" in Client().get(f"/letters/{academic_letter.slug}/signatures/").text
    assert "All counts match their signatures" in reconcile("--check")


def test_it_keeps_an_invalidated_signature_for_the_record_and_counts_it_nowhere(
    petition: Letter,
) -> None:
    suzie = signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")

    signature_invalidate(signature_id=suzie.pk)

    suzie.refresh_from_db()
    assert suzie.state == State.INVALIDATED
    assert list(Signature.objects.invalidated()) == [suzie]
    assert letter_count_fresh(petition.pk) == LetterCount()
    assert "Suzie" not in Client().get(f"/letters/{petition.slug}/").text
    assert "All counts match their signatures" in reconcile("--check")


def test_it_refuses_a_change_the_state_does_not_allow_and_changes_nothing(
    petition: Letter,
) -> None:
    data = SignatureInput(
        name="Pat", email="pat@example.org", display="full", consent_updates=False
    )
    pending = signature_create(letter=petition, data=data)
    counted = signed_and_confirmed(petition, "sam@example.org")
    signature_invalidate(signature_id=counted.pk)

    for change, signature in [
        (signature_hold, pending),  # nothing unconfirmed is public or counted yet
        (signature_clear, pending),
        (signature_hold, counted),  # invalidated is final
        (signature_clear, counted),
    ]:
        with pytest.raises(ValidationError):
            change(signature_id=signature.pk)

    assert Signature.objects.get(pk=pending.pk).state == State.PENDING
    assert Signature.objects.get(pk=counted.pk).state == State.INVALIDATED
    assert letter_count_fresh(petition.pk) == LetterCount()


def test_it_withdraws_a_held_signature_without_touching_the_count(petition: Letter) -> None:
    suzie = signed_and_confirmed(petition, "suzie@example.org")
    signed_and_confirmed(petition, "sam@example.org")
    signature_hold(signature_id=suzie.pk)

    assert signature_withdraw(signature_id=suzie.pk)

    assert letter_count_fresh(petition.pk) == LetterCount(total=1)
    assert "All counts match their signatures" in reconcile("--check")


def test_it_decides_the_reveal_threshold_on_counted_signatures_only(
    organisation: Organisation,
) -> None:
    letter = make_letter(
        organisation,
        slug="guarded",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        reveal_threshold=2,
    )
    first = signed_and_confirmed(letter, "one@northwind.example", display="anonymous")
    signed_and_confirmed(letter, "two@northwind.example", display="anonymous")
    assert names_revealed(letter)

    signature_hold(signature_id=first.pk)

    assert not names_revealed(letter)
