"""The round turns what happened into deliveries: once each, only for endpoints of the
letter's organisation that asked for that event, from the moment they were added."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_letter, run_tasks, signed_and_confirmed
from tests.webhooks.conftest import Receiver, bodies, fold
from undersigned.accounts.models import User
from undersigned.deliveries.delivering import delivery_start
from undersigned.deliveries.models import Method, Response
from undersigned.deliveries.responses import response_record
from undersigned.letters.models import Letter
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Organisation
from undersigned.signing.holds import signature_clear, signature_hold
from undersigned.signing.models import SignatureEvent
from undersigned.signing.privacy import signatures_erase
from undersigned.signing.signatures import SignatureInput, signature_create, signature_withdraw
from undersigned.updates.milestones import milestones_check
from undersigned.webhooks import folding
from undersigned.webhooks.endpoints import endpoint_create
from undersigned.webhooks.folding import webhooks_fold
from undersigned.webhooks.models import DeliveryState, EventType, WebhookDelivery, WebhookEndpoint
from undersigned.webhooks.sending import delivery_attempt


def types_sent(receiver: Receiver) -> list[str]:
    return [request.json["type"] for request in receiver.received]


def test_it_sends_each_kind_of_event_once_however_often_the_round_runs(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter, organiser: User
) -> None:
    Letter.objects.filter(pk=petition.pk).update(goal=2)
    ada = signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    signed_and_confirmed(petition, "grace@example.org", "Grace Hopper")
    milestones_check()
    target = petition.targets.get()
    delivery_start(
        letter=petition,
        method=Method.MANUAL,
        targets=[target],
        closes_signing=False,
        by=organiser,
        how="by hand",
        delivered_on=timezone.localdate(),
    )
    run_tasks()  # the delivery's files, and it is delivered
    response_record(
        letter=petition,
        response=Response(target=target, responded_on=timezone.localdate(), text="We will."),
        by=organiser,
    )
    signature_hold(signature_id=ada.pk)
    signature_clear(signature_id=ada.pk)
    fold()
    fold()
    run_tasks()
    signature_withdraw(signature_id=ada.pk)
    fold()
    run_tasks()
    fold()
    run_tasks()

    assert sorted(types_sent(receiver)) == [
        "answer.recorded",
        "letter.delivered",
        "milestone.reached",
        "signature.confirmed",  # Ada
        "signature.confirmed",  # Grace
        "signature.confirmed",  # Ada, cleared
        "signature.invalidated",  # Ada, held
        "signature.withdrawn",
    ]
    assert WebhookDelivery.objects.count() == 8
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    ids = [request.json["id"] for request in receiver.received]
    assert len(ids) == len(set(ids))


def test_the_bodies_say_what_happened(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter, organiser: User
) -> None:
    Letter.objects.filter(pk=petition.pk).update(goal=1)
    ada = signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    [milestone] = milestones_check()
    target = petition.targets.get()
    delivery = delivery_start(
        letter=petition,
        method=Method.MANUAL,
        targets=[target],
        closes_signing=False,
        by=organiser,
        how="by hand",
        delivered_on=timezone.localdate(),
    )
    run_tasks()
    response = response_record(
        letter=petition,
        response=Response(
            target=target, responded_on=timezone.localdate(), text="We will drop it."
        ),
        by=organiser,
    )
    fold()
    run_tasks()

    sent = {request.json["type"]: request.json for request in receiver.received}
    confirmed = sent["signature.confirmed"]
    assert confirmed["id"] == f"signature-event-{SignatureEvent.objects.get().pk}"
    assert confirmed["data"]["signature"]["identifiers"] == [f"undersigned:signature-{ada.pk}"]
    assert confirmed["data"]["signature"]["name"] == "Ada Lovelace"
    assert confirmed["data"]["event"] == "confirmed"
    assert confirmed["data"]["petition"]["slug"] == petition.slug
    assert confirmed["data"]["petition"]["browser_url"].endswith(petition.get_absolute_url())
    reached = sent["milestone.reached"]
    assert reached["id"] == f"milestone-{milestone.pk}"
    assert reached["data"]["milestone"]["goal"] == 1
    delivered = sent["letter.delivered"]
    assert delivered["id"] == f"delivery-{delivery.pk}"
    assert delivered["data"]["delivery"]["number"] == 1
    assert delivered["data"]["delivery"]["total_signatures"] == 1
    assert delivered["data"]["delivery"]["target"] == [{"name": "Dana Whitfield", "title": "CEO"}]
    answered = sent["answer.recorded"]
    assert answered["id"] == f"answer-{response.pk}"
    assert answered["data"]["answer"]["text"] == "We will drop it."


def test_it_sends_only_what_the_endpoint_asked_for(
    organisation: Organisation, organiser: User, receiver: Receiver, petition: Letter
) -> None:
    endpoint_create(
        organisation=organisation,
        url=receiver.url,
        events=[EventType.SIGNATURE_WITHDRAWN],
        by=organiser,
    )
    ada = signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    signature_withdraw(signature_id=ada.pk)
    fold()
    run_tasks()

    assert types_sent(receiver) == ["signature.withdrawn"]
    [withdrawn] = receiver.received
    assert withdrawn.json["data"]["signature"]["identifiers"] == [f"undersigned:signature-{ada.pk}"]
    assert withdrawn.json["data"]["level"] == "confirmed"


def test_it_sends_nothing_of_another_organisations_letters(
    endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    someone = User.objects.create_user("zed@other.example")
    other = make_letter(organisation_create(name="Other Cause", owner=someone), slug="other")
    signed_and_confirmed(other, "ada@example.org", "Ada Lovelace")
    fold()
    run_tasks()

    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_new_endpoint_is_sent_nothing_from_before_it(
    organisation: Organisation, organiser: User, receiver: Receiver, petition: Letter
) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    endpoint_create(
        organisation=organisation, url=receiver.url, events=["signature.confirmed"], by=organiser
    )
    signed_and_confirmed(petition, "grace@example.org", "Grace Hopper")
    fold()
    run_tasks()

    [request] = receiver.received
    assert request.json["data"]["signature"]["name"] == "Grace Hopper"


def test_an_endpoint_turned_off_is_sent_nothing_of_the_meantime(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    fold()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=True)
    signed_and_confirmed(petition, "grace@example.org", "Grace Hopper")
    fold()
    run_tasks()

    assert [r.json["data"]["signature"]["name"] for r in receiver.received] == ["Grace Hopper"]


def test_an_unconfirmed_signature_withdrawn_is_no_news(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter
) -> None:
    data = SignatureInput(
        name="Paul Pending", email="paul@example.org", display="full", consent_updates=False
    )
    pending = signature_create(letter=petition, data=data)
    signature_withdraw(signature_id=pending.pk)
    fold()
    run_tasks()

    assert receiver.received == []


def test_a_delivery_is_sent_once_it_is_delivered(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter, organiser: User
) -> None:
    delivery_start(
        letter=petition,
        method=Method.MANUAL,
        targets=list(petition.targets.all()),
        closes_signing=False,
        by=organiser,
        how="by hand",
        delivered_on=timezone.localdate(),
    )
    later = make_letter(endpoint.organisation, slug="later")
    signed_and_confirmed(later, "ada@example.org", "Ada Lovelace")
    fold()  # the delivery's files are not built yet: it is not delivered
    assert list(WebhookDelivery.objects.values_list("event_type", flat=True)) == [
        "signature.confirmed"
    ]

    run_tasks()
    fold()
    run_tasks()
    assert sorted(types_sent(receiver)) == ["letter.delivered", "signature.confirmed"]
    fold()
    assert WebhookDelivery.objects.count() == 2


def test_it_waits_for_rows_to_settle(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter
) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    webhooks_fold(settled_before=timezone.now() - timedelta(seconds=5))
    assert not WebhookDelivery.objects.exists()
    endpoint.refresh_from_db()
    assert endpoint.signature_events_seen == 0

    SignatureEvent.objects.update(created_at=timezone.now() - timedelta(seconds=6))
    webhooks_fold(settled_before=timezone.now() - timedelta(seconds=5))
    assert WebhookDelivery.objects.count() == 1


def test_a_busy_round_reads_in_batches(
    endpoint: WebhookEndpoint, petition: Letter, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(7):
        signed_and_confirmed(petition, f"signer{n}@example.org", f"Signer {n}")
    monkeypatch.setattr(folding, "BATCH", 3)

    assert fold() == 7
    assert WebhookDelivery.objects.count() == 7
    endpoint.refresh_from_db()
    assert endpoint.signature_events_seen == SignatureEvent.objects.latest("pk").pk


def test_a_withdrawal_empties_the_bodies_that_named_the_signer(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter
) -> None:
    ada = signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    grace = signed_and_confirmed(petition, "grace@example.org", "Grace Hopper")
    fold()
    run_tasks()
    signature_withdraw(signature_id=ada.pk)
    signatures_erase(signature_ids=[grace.pk])
    fold()
    run_tasks()

    assert sorted(types_sent(receiver)) == [
        "signature.confirmed",
        "signature.confirmed",
        "signature.erased",
        "signature.withdrawn",
    ]
    kept = WebhookDelivery.objects.filter(event_type="signature.confirmed")
    assert [(d.body, d.body_erased) for d in kept] == [("", True), ("", True)]
    assert not [body for body in bodies() if "Lovelace" in body or "Hopper" in body]


def test_a_confirmation_waiting_to_be_sent_when_the_signer_withdraws_is_not_sent(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter
) -> None:
    receiver.answers = [500]
    ada = signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    fold()
    run_tasks()  # refused once: it waits for its next try
    signature_withdraw(signature_id=ada.pk)
    confirmed = WebhookDelivery.objects.get()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())

    left = delivery_attempt(delivery_id=confirmed.pk)  # before the round reads the withdrawal

    assert left is not None
    confirmed.refresh_from_db()
    assert confirmed.state == DeliveryState.CANCELLED
    assert (confirmed.body, confirmed.body_erased) == ("", True)
    assert len(receiver.received) == 1
