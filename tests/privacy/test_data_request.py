"""A signer asks for what we keep about them: one answer for every address, a link by
email only where the rule allows it, and a link that works for a day and for this alone."""

import json
import time
from typing import Any

from django.core import signing
from django.test import Client

from tests.conftest import ORIGIN, make_letter, run_tasks, signed_and_confirmed
from tests.mail.conftest import Relay
from tests.privacy.conftest import ask_for_data, data_path_in
from undersigned.letters.models import Letter
from undersigned.lib.email_address import email_key
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create
from undersigned.signing.tokens import DATA_REQUEST_SALT, MANAGE_SALT, data_request_token


def test_it_emails_a_link_listing_every_letter_the_address_signed(
    petition: Letter, organisation: Organisation, mail_relay: Relay
) -> None:
    second = make_letter(organisation, slug="second", title="Open the library on Sundays")
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    signed_and_confirmed(second, "Suzie@example.org", "Suzie Signer")
    page = ask_for_data("suzie+data@example.org")
    assert page.status_code == 200
    assert "If we hold anything for this address, we have sent a link" in page.text
    [delivery] = mail_relay.deliveries
    assert delivery.rcpt_tos == ["suzie+data@example.org"]
    listing = Client().get(data_path_in(delivery.part("plain")))
    assert listing.status_code == 200
    assert petition.title in listing.text and second.title in listing.text
    assert "signed 2 letters" in listing.text


def test_it_answers_an_unknown_address_exactly_alike_and_sends_nothing(
    petition: Letter, mail_relay: Relay
) -> None:
    signed_and_confirmed(petition, "suzie@example.org")
    known = ask_for_data("suzie@example.org")
    unknown = ask_for_data("nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert [d.rcpt_tos for d in mail_relay.deliveries] == [["suzie@example.org"]]


def test_it_never_writes_to_a_work_address_and_writes_to_the_personal_one(
    workers_letter: Letter, mail_relay: Relay
) -> None:
    data = SignatureInput(
        name="Wei",
        email="wei@northwind.example",
        display="anonymous",
        consent_updates=True,
        contact_email="wei@home.example",
    )
    signature = signature_create(letter=workers_letter, data=data)
    signature_confirm(signature_id=signature.pk)
    run_tasks()
    mail_relay.deliveries.clear()  # the confirmation, and its note to the personal address
    ask_for_data("wei@northwind.example")
    assert mail_relay.deliveries == []
    ask_for_data("wei@home.example")
    [delivery] = mail_relay.deliveries
    assert delivery.rcpt_tos == ["wei@home.example"]
    assert workers_letter.slug in Client().get(data_path_in(delivery.part("plain"))).text


def test_a_work_address_that_also_signed_a_petition_sees_only_the_petition(
    petition: Letter, workers_letter: Letter, mail_relay: Relay
) -> None:
    signed_and_confirmed(workers_letter, "wei@northwind.example", display="anonymous")
    signed_and_confirmed(petition, "wei@northwind.example")
    ask_for_data("wei@northwind.example")
    [delivery] = mail_relay.deliveries
    listing = Client().get(data_path_in(delivery.part("plain"))).text
    assert f"/letters/{petition.slug}/" in listing
    assert workers_letter.slug not in listing
    assert "signed 1 letter " in listing


def test_it_limits_requests_per_address_answering_alike(
    petition: Letter, mail_relay: Relay, settings: Any
) -> None:
    settings.DATA_REQUESTS_PER_ADDRESS = "2/h"
    signed_and_confirmed(petition, "suzie@example.org")
    pages = [ask_for_data("suzie@example.org") for _ in range(4)]
    assert {page.status_code for page in pages} == {200}
    assert len({page.content for page in pages}) == 1
    assert len(mail_relay.deliveries) == 2


def test_it_refuses_a_client_past_its_limit(petition: Letter, settings: Any) -> None:
    settings.DATA_REQUESTS_PER_CLIENT = "2/h"
    client = Client()
    statuses = [ask_for_data(f"a{n}@example.org", client).status_code for n in range(3)]
    assert statuses == [200, 200, 429]


def test_it_refuses_a_post_from_another_site(petition: Letter) -> None:
    page = Client().post("/my-data/", {"email": "a@example.org"}, HTTP_ORIGIN="http://evil.test")
    assert page.status_code == 403


def test_it_says_what_is_wrong_with_an_address(db: None) -> None:
    page = Client().post("/my-data/", {"email": "not an address"}, HTTP_ORIGIN=ORIGIN)
    assert page.status_code == 400
    assert "valid email address" in page.text


def test_the_link_expires(petition: Letter, settings: Any) -> None:
    signature = signed_and_confirmed(petition, "suzie@example.org")
    token = data_request_token(email_key("suzie@example.org"), [signature.pk])
    assert Client().get(f"/my-data/{token}/").status_code == 200
    settings.DATA_REQUEST_MAX_AGE = 1
    time.sleep(2.1)
    for path in ("", "data.json", "erase/"):
        page = Client().get(f"/my-data/{token}/{path}")
        assert page.status_code == 404, path
        assert "not valid or has expired" in page.text


def test_a_token_of_another_purpose_is_refused(petition: Letter) -> None:
    signature = signed_and_confirmed(petition, "suzie@example.org")
    payload = [email_key("suzie@example.org"), [signature.pk]]
    for salt in (MANAGE_SALT, "undersigned.signing.confirm", "undersigned.signing.unsubscribe"):
        token = signing.dumps(payload, salt=salt, compress=True)
        assert Client().get(f"/my-data/{token}/").status_code == 404, salt
    right = signing.dumps(payload, salt=DATA_REQUEST_SALT, compress=True)
    assert Client().get(f"/my-data/{right}/").status_code == 200
    assert Client().get(f"/my-data/{right[:-2]}xx/").status_code == 404


def test_a_link_shows_nothing_of_a_signature_that_is_not_the_address_s(petition: Letter) -> None:
    mine = signed_and_confirmed(petition, "suzie@example.org")
    other_letter_signature = signed_and_confirmed(petition, "pat@example.org")
    token = data_request_token(email_key("suzie@example.org"), [mine.pk, other_letter_signature.pk])
    exported = json.loads(Client().get(f"/my-data/{token}/data.json").content)
    assert [s["fields"]["id"] for s in exported["signatures"]] == [mine.pk]


def test_the_task_forgets_the_address_it_carried(petition: Letter, mail_relay: Relay) -> None:
    from django_tasks_db.models import DBTaskResult

    signed_and_confirmed(petition, "suzie@example.org")
    ask_for_data("suzie@example.org")
    ask_for_data("nobody@example.org")
    rows = DBTaskResult.objects.filter(task_path__endswith="send_data_request")
    assert rows.count() == 2
    assert all(row.args_kwargs == {"args": [], "kwargs": {}} for row in rows)
    assert Signature.objects.count() == 1
