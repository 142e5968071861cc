"""A bulk invalidation and its undo, made while people confirm and withdraw through the
group commit, leave the count exactly the number of counted signatures."""

import pytest
from django.utils import timezone

from tests.moderation.conftest import signatures_from, states
from tests.signing.conftest import in_threads, reconcile
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.moderation.batches import (
    invalidation_make,
    invalidation_preview,
    invalidation_undo,
)
from undersigned.moderation.models import Invalidation
from undersigned.moderation.search import found
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import Signature, State
from undersigned.signing.signatures import (
    SignatureInput,
    signature_confirm,
    signature_create,
    signature_withdraw,
)

CONFIRMERS = 4
EACH = 15
CAMPUS = 100


@pytest.mark.django_db(transaction=True)
def test_the_count_stays_exact_while_a_batch_races_signers(
    petition: Letter, organiser: User
) -> None:
    campus = signatures_from(
        petition, [f"192.0.2.{n}" for n in range(1, 200)], CAMPUS, at=timezone.now()
    )
    elsewhere = signatures_from(
        petition, "198.51.100.1", 40, at=timezone.now(), domain="else.example"
    )
    pending = [
        signature_create(
            letter=petition,
            data=SignatureInput(
                name=f"Late {n}",
                email=f"late{n}@example.net",
                display="full",
                consent_updates=False,
            ),
        ).pk
        for n in range(CONFIRMERS * EACH)
    ]
    search = {"domain": "example.org"}

    def batch() -> None:
        signatures = found(petition, search)
        preview = invalidation_preview(signatures, state=State.INVALIDATED)
        assert preview.counted == CAMPUS
        invalidation_make(
            letter=petition,
            signatures=signatures,
            state=State.INVALIDATED,
            preview=preview,
            query=search,
            by=organiser,
        )

    def confirmer(index: int) -> None:
        for pk in pending[index * EACH : (index + 1) * EACH]:
            assert signature_confirm(signature_id=pk) is not None

    def withdrawer() -> None:
        for pk in elsewhere[:20]:
            assert signature_withdraw(signature_id=pk)

    work = [lambda: batch(), lambda: withdrawer()] + [
        lambda i=i: confirmer(i) for i in range(CONFIRMERS)
    ]
    in_threads(len(work), lambda i: work[i]())

    assert states(campus) == ["invalidated"] * CAMPUS
    counted = Signature.objects.counted().filter(letter=petition).count()
    assert counted == 20 + CONFIRMERS * EACH
    assert letter_count_fresh(petition.pk).total == counted
    assert "All counts match their signatures" in reconcile("--check")

    [invalidation] = Invalidation.objects.all()
    more = [
        signature_create(
            letter=petition,
            data=SignatureInput(
                name=f"Later {n}",
                email=f"later{n}@example.net",
                display="full",
                consent_updates=False,
            ),
        ).pk
        for n in range(EACH)
    ]
    work = [
        lambda: invalidation_undo(invalidation_id=invalidation.pk, by=organiser),
        lambda: [signature_confirm(signature_id=pk) for pk in more],
    ]
    in_threads(len(work), lambda i: work[i]())

    assert states(campus) == ["counted"] * CAMPUS
    assert letter_count_fresh(petition.pk).total == counted + CAMPUS + EACH
    assert "All counts match their signatures" in reconcile("--check")
