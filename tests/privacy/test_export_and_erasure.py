"""Everything kept about an address, downloaded and erased on every letter at once; the
counts, the verified counts and the institutions stay as they were."""

import json
from typing import Any

from django.test import Client

from tests.conftest import ORIGIN, make_letter, run_tasks, signed_and_confirmed
from tests.signing.conftest import cells_containing, reconcile
from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.email_address import email_key
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import EventKind, Signature, SignatureEvent, State
from undersigned.signing.public_count import public_count
from undersigned.signing.signatures import SignatureInput, signature_create
from undersigned.signing.tokens import data_request_token
from undersigned.signing.unsubscriptions import unsubscribe

NAME = "Philippa Quarternion"
ADDRESS = "pq@stanford.edu"
CONTACT = "philippa.home@example.org"


def _signed(letter: Letter, *, address: str = ADDRESS, **fields: Any) -> Signature:
    data = SignatureInput(
        name=NAME,
        email=address,
        display="full",
        consent_updates=True,
        contact_email=CONTACT,
        details={"title": "Professor of Topology", "comment": "Count me in, Quarternion"},
        ip_hash="a" * 64,
        subnet_hash="b" * 64,
        **fields,
    )
    from undersigned.signing.signatures import signature_confirm

    signature = signature_create(letter=letter, data=data)
    run_tasks()  # its confirmation email
    confirmed = signature_confirm(signature_id=signature.pk)
    assert confirmed is not None
    return confirmed


def _link(*signatures: Signature) -> str:
    return "/my-data/" + data_request_token(email_key(ADDRESS), [s.pk for s in signatures]) + "/"


def test_the_download_holds_every_field_consent_event_and_message(
    organisation: Organisation, academic_letter: Letter
) -> None:
    signature = _signed(academic_letter)
    unsubscribe(organisation.pk, email_key(CONTACT))
    page = Client().get(_link(signature) + "data.json")
    assert page.status_code == 200
    assert page["Content-Type"] == "application/json"
    assert "attachment" in page["Content-Disposition"]
    data = json.loads(page.content)
    [entry] = data["signatures"]
    assert entry["letter"]["slug"] == academic_letter.slug
    fields = entry["fields"]
    assert {field.attname for field in Signature._meta.concrete_fields} == set(fields)
    assert fields["name"] == NAME
    assert fields["contact_email"] == CONTACT
    assert fields["institution"] == "Stanford University"
    assert fields["ip_hash"] == "a" * 64
    assert entry["consent"]["wording"] == academic_letter.consent_wording
    assert entry["consent"]["at"] is not None
    assert [event["kind"] for event in entry["events"]] == ["verified"]
    assert data["unsubscriptions"] == [
        {"organisation": organisation.name, "at": data["unsubscriptions"][0]["at"]}
    ]
    assert [day["confirmation_emails"] for day in data["confirmation_quotas"]] == [1]
    assert [message["key"] for message in data["messages_sent"]] == [f"proof:{signature.pk}"]
    assert data["messages_sent"][0]["sent_at"]


def test_erasure_across_two_letters_keeps_every_count_and_leaves_nothing_personal(
    organisation: Organisation, academic_letter: Letter, petition: Letter
) -> None:
    mine = [_signed(academic_letter), _signed(petition)]
    pending = signature_create(
        letter=make_letter(organisation, slug="third"),
        data=SignatureInput(name=NAME, email=ADDRESS, display="full", consent_updates=False),
    )
    for n in range(3):
        signed_and_confirmed(academic_letter, f"prof{n}@mit.edu", f"Other Professor {n}")
        signed_and_confirmed(petition, f"someone{n}@example.org")
    run_tasks()
    unsubscribe(organisation.pk, email_key(CONTACT))
    letters = [academic_letter, petition]
    before = [
        (letter_count_fresh(letter.pk), public_count(letter).institutions) for letter in letters
    ]
    assert before[0][0].total == 4 and before[0][0].verified == 4

    link = _link(*mine, pending)
    confirm_page = Client().get(link + "erase/")
    assert confirm_page.status_code == 200
    assert "Yes, erase everything" in confirm_page.text
    assert Signature.objects.filter(name=NAME).count() == 3  # a GET erases nothing
    done = Client().post(link + "erase/", HTTP_ORIGIN=ORIGIN)
    assert done.status_code == 200
    assert "Erased" in done.text

    after = [
        (letter_count_fresh(letter.pk), public_count(letter).institutions) for letter in letters
    ]
    assert after == before
    assert ("Stanford University", 1) in after[0][1]
    assert "drift" not in reconcile("--check").lower()
    for personal in (
        NAME,
        "Quarternion",
        ADDRESS,
        CONTACT,
        email_key(ADDRESS),
        email_key(CONTACT),
        "a" * 64,
        "b" * 64,
        "Topology",
    ):
        assert cells_containing(personal) == [], personal
    assert not Signature.objects.filter(pk=pending.pk).exists()
    assert set(
        Signature.objects.filter(pk__in=[s.pk for s in mine]).values_list("state", flat=True)
    ) == {State.COUNTED}
    erased_events = SignatureEvent.objects.filter(kind=EventKind.ERASED)
    assert sorted(erased_events.values_list("signature_id", flat=True)) == sorted(
        [s.pk for s in mine] + [pending.pk]
    )
    assert {(e.total_delta, e.verified_delta) for e in erased_events} == {(0, 0)}
    # The others are untouched.
    assert Signature.objects.filter(name__startswith="Other Professor").count() == 3

    again = Client().get(link)
    assert "We keep nothing about this address any more" in again.text


def test_erasure_drops_the_mail_still_queued(petition: Letter) -> None:
    from django_tasks_db.models import DBTaskResult

    signature = signature_create(
        letter=petition,
        data=SignatureInput(name=NAME, email=ADDRESS, display="full", consent_updates=False),
    )
    other = signature_create(
        letter=petition,
        data=SignatureInput(
            name="Pat", email="pat@example.org", display="full", consent_updates=False
        ),
    )
    queued = DBTaskResult.objects.filter(task_path__endswith="send_confirmation")
    assert queued.count() == 2
    assert Client().post(_link(signature) + "erase/", HTTP_ORIGIN=ORIGIN).status_code == 200
    assert [row.args_kwargs["args"][0] for row in queued] == [other.pk]


def test_erasure_refuses_a_post_from_another_site(petition: Letter) -> None:
    signature = _signed(petition)
    page = Client().post(_link(signature) + "erase/", HTTP_ORIGIN="http://evil.test")
    assert page.status_code == 403
    signature.refresh_from_db()
    assert signature.name == NAME


def test_an_erased_signature_shows_as_anonymous_with_its_institution(
    academic_letter: Letter,
) -> None:
    signature = _signed(academic_letter)
    Client().post(_link(signature) + "erase/", HTTP_ORIGIN=ORIGIN)
    page = Client().get(f"/letters/{academic_letter.slug}/signatures/")
    assert NAME not in page.text
    assert "Stanford University" in page.text


def test_a_letter_for_listed_domains_keeps_its_verified_count(workers_letter: Letter) -> None:
    assert workers_letter.eligibility == Eligibility.DOMAINS
    signature = signed_and_confirmed(workers_letter, "wei@northwind.example", display="anonymous")
    before = letter_count_fresh(workers_letter.pk)
    link = (
        "/my-data/" + data_request_token(email_key("wei@northwind.example"), [signature.pk]) + "/"
    )
    Client().post(link + "erase/", HTTP_ORIGIN=ORIGIN)
    assert letter_count_fresh(workers_letter.pk) == before
    assert cells_containing("northwind.example") == ["letters_letter.eligible_domains"]
