"""Invariants 4 and 5 for webhooks: no body, as kept or as received, holds an email
address or a name a signer hid; the events that are not a signature name no signer."""

import re
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import run_tasks, signed_and_confirmed
from tests.updates.conftest import signer
from tests.webhooks.conftest import Receiver, bodies, fold
from undersigned.accounts.models import User
from undersigned.deliveries.delivering import delivery_start
from undersigned.deliveries.models import Method, Response
from undersigned.deliveries.responses import response_record
from undersigned.letters.models import Letter, Target
from undersigned.signing.holds import signature_hold, signature_invalidate
from undersigned.signing.privacy import signatures_erase
from undersigned.signing.signatures import signature_withdraw
from undersigned.updates.milestones import milestones_check
from undersigned.webhooks.models import WebhookEndpoint

HIDDEN_NAME = "Wilhelmina Quatermass-Oyelaran"
NAME_PARTS = ("Wilhelmina", "Quatermass", "Oyelaran")
HIDDEN_TITLE = "Night-shift supervisor of bay 14"
HIDDEN_COMMENT = "I fear my manager reads this"
PERSONAL_ADDRESS = "mina.at.home@example.net"
ANY_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

SIGNERS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "public signer": ("petition", "mina.q.7731@example.org", {"country": "France"}),
    "employee": (
        "workers_letter",
        "Staff.7731@northwind.example",
        {"department": "Logistics", "location": "Oslo"},
    ),
    "professor": (
        "academic_letter",
        "Staff.7731@cs.stanford.edu",
        {"affiliation": "Stanford University", "title": HIDDEN_TITLE},
    ),
}


def everything_sent(receiver: Receiver) -> list[str]:
    kept = bodies()
    received = [f"{request.headers} {request.body.decode()}" for request in receiver.received]
    assert received, "nothing was received"
    return kept + received


@pytest.mark.parametrize("display", ["anonymous", "initials"])
@pytest.mark.parametrize(("letter_fixture", "address", "fields"), SIGNERS.values(), ids=SIGNERS)
def test_no_webhook_holds_a_hidden_name_or_an_address(
    request: pytest.FixtureRequest,
    endpoint: WebhookEndpoint,
    receiver: Receiver,
    letter_fixture: str,
    address: str,
    fields: dict[str, Any],
    display: str,
) -> None:
    letter: Letter = request.getfixturevalue(letter_fixture)
    signature = signer(
        letter,
        address,
        name=HIDDEN_NAME,
        display=display,
        contact_email=PERSONAL_ADDRESS,
        comment=HIDDEN_COMMENT,
        **fields,
    )
    fold()
    run_tasks()
    signature_hold(signature_id=signature.pk)
    signature_invalidate(signature_id=signature.pk)
    signatures_erase(signature_ids=[signature.pk])
    fold()
    run_tasks()

    sent = everything_sent(receiver)
    assert len(receiver.received) == 3  # confirmed, invalidated (when held), erased
    confirmed = receiver.of_type("signature.confirmed")[0].json["data"]["signature"]
    assert confirmed["name"] == ("Anonymous" if display == "anonymous" else "W. Q.")
    for text in (*NAME_PARTS, address, PERSONAL_ADDRESS, address.split("@")[0]):
        assert not [body for body in sent if text.casefold() in body.casefold()], text
    assert not [body for body in sent if ANY_ADDRESS.search(body)]
    if display == "anonymous":
        assert not [body for body in sent if HIDDEN_COMMENT in body or HIDDEN_TITLE in body]


def test_a_withdrawn_signer_is_named_in_no_body(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter
) -> None:
    signature = signed_and_confirmed(petition, "mina@example.org", HIDDEN_NAME)
    fold()
    run_tasks()
    assert HIDDEN_NAME in bodies()[0]  # shown in full, as she asked

    signature_withdraw(signature_id=signature.pk)
    fold()
    run_tasks()

    [withdrawn] = receiver.of_type("signature.withdrawn")
    assert withdrawn.json["data"]["signature"] == {
        "identifiers": [f"undersigned:signature-{signature.pk}"],
        "_links": {"osdi:petition": withdrawn.json["data"]["petition"]["_links"]["self"]},
    }
    assert not [body for body in bodies() if "Wilhelmina" in body]


def test_milestones_deliveries_and_answers_name_no_signer_and_no_target_address(
    endpoint: WebhookEndpoint, receiver: Receiver, petition: Letter, organiser: User
) -> None:
    Target.objects.filter(letter=petition).update(delivery_address="dana.ceo@northwind.example")
    Letter.objects.filter(pk=petition.pk).update(goal=1)
    signed_and_confirmed(petition, "mina@example.org", HIDDEN_NAME, display="full")
    fold()
    run_tasks()
    receiver.received.clear()
    milestones_check()
    target = petition.targets.get()
    delivery_start(
        letter=petition,
        method=Method.EMAIL,
        targets=[target],
        closes_signing=False,
        by=organiser,
    )
    run_tasks()
    response_record(
        letter=petition,
        response=Response(target=target, responded_on=timezone.localdate(), text="Noted."),
        by=organiser,
    )
    fold()
    run_tasks()

    assert sorted(request.json["type"] for request in receiver.received) == [
        "answer.recorded",
        "letter.delivered",
        "milestone.reached",
    ]
    sent = [request.body.decode() for request in receiver.received]
    assert not [body for body in sent if "Wilhelmina" in body or "mina@" in body]
    assert not [body for body in sent if "dana.ceo" in body or ANY_ADDRESS.search(body)]
