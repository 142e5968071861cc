"""Bulk invalidation: the preview's number is exactly what comes off the count, in one
transaction, recorded as one batch and audited; the undo puts back exactly what is still
as the batch left it."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.moderation.conftest import member, signatures_from, signed_in, states
from tests.signing.conftest import reconcile
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import Letter
from undersigned.lib.network import subnet_hash
from undersigned.moderation.labels import subnet_label
from undersigned.moderation.models import InvalidatedSignature, Invalidation
from undersigned.organisations.models import Organisation, Role
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.holds import signature_clear, signature_hold
from undersigned.signing.models import EventKind, Signature, SignatureEvent
from undersigned.signing.signatures import SignatureInput, signature_create, signature_withdraw

CAMPUS = [f"192.0.2.{n}" for n in range(1, 30)]
LABEL = subnet_label(subnet_hash(CAMPUS[0]))


@pytest.fixture
def moderator(organisation: Organisation) -> Client:
    return signed_in(member(organisation, Role.MODERATOR))


def batch_url(letter: Letter) -> str:
    return f"/dashboard/letters/{letter.slug}/moderation/batch/"


def preview(client: Client, letter: Letter, move: str = "invalidated", **query: str) -> Any:
    page = client.get(batch_url(letter), {"subnet": LABEL, **query, "move": move})
    assert page.status_code == 200, page.text
    return page


def confirm(client: Client, letter: Letter, page: Any) -> Any:
    return client.post(batch_url(letter), page.context["confirm"])


def test_the_preview_count_comes_off_the_count_exactly_and_undo_puts_it_back(
    petition: Letter, moderator: Client
) -> None:
    now = timezone.now()
    campus = signatures_from(petition, CAMPUS, 30, at=now)
    for pk in campus[:5]:
        signature_hold(signature_id=pk)
    elsewhere = signatures_from(petition, "198.51.100.1", 10, at=now)
    before = letter_count_fresh(petition.pk).total
    assert before == 35

    page = preview(moderator, petition)
    assert "This will take 25 signatures off the count" in page.text
    assert "and invalidate 5 held ones already off it" in page.text
    assert "Invalidate 30" in page.text
    assert letter_count_fresh(petition.pk).total == before  # a preview changes nothing

    done = confirm(moderator, petition, page)

    batch = Invalidation.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/batches/{batch.pk}/")
    assert letter_count_fresh(petition.pk).total == before - 25
    assert states(campus) == ["invalidated"] * 30
    assert states(elsewhere) == ["counted"] * 10
    assert (batch.signatures, batch.off_count, batch.query) == (
        30,
        25,
        {"subnet": LABEL.replace("-", "")},
    )
    assert InvalidatedSignature.objects.filter(invalidation=batch).count() == 30
    entry = AuditEntry.objects.get(action="signatures.bulk_invalidate")
    assert entry.detail["signatures"] == 30 and entry.detail["off_count"] == 25
    assert entry.organisation_id == petition.organisation_id
    assert entry.target_id == str(batch.pk)
    assert "All counts match their signatures" in reconcile("--check")

    # One of them is withdrawn meanwhile: the undo puts back the other 29, as they were.
    signature_withdraw(signature_id=campus[-1])
    undone = moderator.post(
        f"/dashboard/letters/{petition.slug}/moderation/batches/{batch.pk}/undo/"
    )

    assert undone.status_code == 302
    assert letter_count_fresh(petition.pk).total == before - 1
    assert states(campus) == ["held"] * 5 + ["counted"] * 24 + ["withdrawn"]
    batch.refresh_from_db()
    assert batch.is_undone and batch.restored == 29
    entry = AuditEntry.objects.get(action="signatures.bulk_undo")
    assert entry.detail["restored"] == 29 and entry.detail["back_on_count"] == 24
    restored = SignatureEvent.objects.filter(kind=EventKind.RESTORED)
    assert restored.count() == 29
    assert "All counts match their signatures" in reconcile("--check")
    page = moderator.get(f"/dashboard/letters/{petition.slug}/moderation/batches/{batch.pk}/")
    assert "29 signatures put back" in page.text and "Undo this batch" not in page.text


def test_a_batch_is_undone_once(petition: Letter, moderator: Client) -> None:
    signatures_from(petition, CAMPUS, 3, at=timezone.now())
    confirm(moderator, petition, preview(moderator, petition))
    batch = Invalidation.objects.get()
    url = f"/dashboard/letters/{petition.slug}/moderation/batches/{batch.pk}/undo/"
    moderator.post(url)
    again = moderator.post(url, follow=True)
    assert "This batch was undone already." in again.text
    assert letter_count_fresh(petition.pk).total == 3
    assert AuditEntry.objects.filter(action="signatures.bulk_undo").count() == 1


def test_a_confirm_after_the_signatures_changed_is_refused_and_changes_nothing(
    petition: Letter, moderator: Client
) -> None:
    campus = signatures_from(petition, CAMPUS, 10, at=timezone.now())
    page = preview(moderator, petition)
    assert "This will take 10 signatures off the count" in page.text
    signature_hold(signature_id=campus[0])  # by someone else, meanwhile

    refused = confirm(moderator, petition, page)

    assert refused.status_code == 409
    assert "changed since the preview" in refused.text
    assert "This will take 9 signatures off the count" in refused.text
    assert "and invalidate 1 held one" in refused.text
    assert states(campus) == ["held"] + ["counted"] * 9
    assert letter_count_fresh(petition.pk).total == 9
    assert not Invalidation.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="signatures.").exists()


def test_signatures_made_after_the_preview_are_left_alone(
    petition: Letter, moderator: Client
) -> None:
    campus = signatures_from(petition, CAMPUS, 4, at=timezone.now() - timedelta(minutes=5))
    page = preview(moderator, petition)
    later = signatures_from(petition, CAMPUS, 2, at=timezone.now())

    confirm(moderator, petition, page)

    assert states(campus) == ["invalidated"] * 4
    assert states(later) == ["counted"] * 2
    assert letter_count_fresh(petition.pk).total == 2


def test_a_hold_batch_is_undone_except_where_someone_acted_since(
    petition: Letter, moderator: Client
) -> None:
    campus = signatures_from(petition, CAMPUS, 6, at=timezone.now())
    page = preview(moderator, petition, move="held")
    assert "This will take 6 signatures off the count" in page.text

    confirm(moderator, petition, page)
    assert letter_count_fresh(petition.pk).total == 0
    assert AuditEntry.objects.get(action="signatures.bulk_hold").detail["off_count"] == 6
    # A moderator cleared one, and held it again by hand: it is theirs now, not the batch's.
    signature_clear(signature_id=campus[0])
    signature_hold(signature_id=campus[0])
    batch = Invalidation.objects.get()
    moderator.post(f"/dashboard/letters/{petition.slug}/moderation/batches/{batch.pk}/undo/")

    assert states(campus) == ["held"] + ["counted"] * 5
    assert letter_count_fresh(petition.pk).total == 5
    assert "All counts match their signatures" in reconcile("--check")


def test_a_search_with_nothing_to_change_offers_nothing(
    petition: Letter, moderator: Client
) -> None:
    pending = signature_create(
        letter=petition,
        data=SignatureInput(
            name="Pat", email="pat@example.org", display="full", consent_updates=False
        ),
    )
    Signature.objects.filter(pk=pending.pk).update(subnet_hash=subnet_hash(CAMPUS[0]))
    page = preview(moderator, petition)
    assert "finds no signature that can be invalidated" in page.text
    refused = moderator.post(batch_url(petition), {"subnet": LABEL, "move": "invalidated"})
    assert refused.status_code == 400
    assert "finds no signature to change" in refused.text
    assert not Invalidation.objects.exists()


def test_one_signature_is_held_cleared_and_invalidated_from_the_results(
    petition: Letter, moderator: Client, organisation: Organisation
) -> None:
    [pk] = signatures_from(petition, CAMPUS, 1, at=timezone.now())
    url = f"/dashboard/letters/{petition.slug}/moderation/signatures/{pk}/"
    for change, state, count in [
        ("hold", "held", 0),
        ("clear", "counted", 1),
        ("invalidate", "invalidated", 0),
    ]:
        done = moderator.post(url, {"change": change, "query": f"subnet={LABEL}"})
        assert done.status_code == 302
        assert done["Location"].endswith(f"/moderation/signatures/?subnet={LABEL}")
        assert states([pk]) == [state]
        assert letter_count_fresh(petition.pk).total == count
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "target_id", "detail"))
    assert [(a, t) for a, t, _d in actions] == [
        ("signature.hold", str(pk)),
        ("signature.clear", str(pk)),
        ("signature.invalidate", str(pk)),
    ]
    assert actions[0][2] == {"letter": petition.pk, "from": "counted", "to": "held"}
    refused = moderator.post(url, {"change": "clear"}, follow=True)
    assert "cannot be cleared" in refused.text
    assert AuditEntry.objects.count() == 3


def test_a_signature_of_another_letter_cannot_be_changed_through_this_one(
    petition: Letter, academic_letter: Letter, moderator: Client
) -> None:
    [pk] = signatures_from(academic_letter, CAMPUS, 1, at=timezone.now(), domain="stanford.edu")
    done = moderator.post(
        f"/dashboard/letters/{petition.slug}/moderation/signatures/{pk}/",
        {"change": "invalidate"},
        follow=True,
    )
    assert "This letter has no such signature." in done.text
    assert states([pk]) == ["counted"]
    assert not AuditEntry.objects.exists()
