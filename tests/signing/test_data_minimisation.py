"""Data minimisation: a proven work address is kept only as a keyed hash and its domain,
it gets one email and never another, and a name is kept no further than it is shown.

Mail goes to the outbox table here, so that searching every table of the database also
searches every message sent.
"""

import re
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.conftest import make_letter, run_tasks, sign
from tests.signing.conftest import cells_containing
from undersigned.letters.models import FieldRule, Letter
from undersigned.lib.email_address import email_key
from undersigned.mail.models import OutboxMessage
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Level, Signature
from undersigned.signing.presentation import signatory

WORK_ADDRESS = "Wren.Worker@Northwind.example"
PERSONAL_ADDRESS = "wren.at.home@example.net"
TYPED_NAME = "Wilhelmina Quatermass"
ORIGIN = "http://testserver"


@pytest.fixture(autouse=True)
def mail_kept_in_database(settings: Any) -> None:
    settings.EMAIL_BACKEND = "undersigned.mail.backends.OutboxBackend"


def sign_at_work(letter: Letter, **fields: Any) -> Any:
    data = {
        "name": "Wren Worker",
        "email": WORK_ADDRESS,
        "contact_email": PERSONAL_ADDRESS,
        "display": "initials",
        "department": "Engineering",
        "location": "Seattle",
        **fields,
    }
    return sign(Client(), letter, **data)


def sent_to(address: str) -> list[OutboxMessage]:
    return [
        m for m in OutboxMessage.objects.order_by("pk") if address.casefold() in m.to.casefold()
    ]


def link(message: OutboxMessage, kind: str) -> str:
    match = re.search(rf"http://\S+?(/{kind}/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def verified_at_work(letter: Letter, **fields: Any) -> Signature:
    assert sign_at_work(letter, **fields).status_code == 302
    return confirmed_from_work_mail()


def confirmed_from_work_mail() -> Signature:
    run_tasks()
    [message] = sent_to(WORK_ADDRESS)
    assert Client().post(link(message, "confirm"), HTTP_ORIGIN=ORIGIN).status_code == 200
    signature = Signature.objects.get()
    assert signature.level == Level.VERIFIED
    return signature


def ask_for_manage_link(letter: Letter, address: str) -> Any:
    return Client().post(f"/letters/{letter.slug}/manage/", {"email": address}, HTTP_ORIGIN=ORIGIN)


def test_it_keeps_no_plaintext_work_address_once_verified(workers_letter: Letter) -> None:
    sign_at_work(workers_letter)
    assert Signature.objects.get().email == WORK_ADDRESS  # until it is proven

    signature = confirmed_from_work_mail()

    row = Signature.objects.filter(pk=signature.pk).values().get()
    for column, value in row.items():
        assert "wren.worker" not in str(value).casefold(), column
    assert row["email"] == ""
    assert row["email_key"] == email_key(WORK_ADDRESS) == email_key("wren.worker@northwind.example")
    assert row["email_domain"] == "northwind.example"
    assert row["contact_email"] == PERSONAL_ADDRESS
    # The one verification email is the only trace left, and only in the outbox of sent mail.
    [message] = sent_to(WORK_ADDRESS)
    assert message.subject.startswith("Confirm your signature")
    assert OutboxMessage.objects.count() == 1
    assert set(cells_containing("wren.worker")) == {
        "mail_outboxmessage.to",
        "mail_outboxmessage.message",
    }
    # The verification email, and the link to manage the signature for the personal address.
    assert DBTaskResult.objects.count() == 2


def test_it_forgets_a_proven_academic_address(academic_letter: Letter) -> None:
    sign(
        Client(),
        academic_letter,
        email="ada.lovelace@cs.stanford.edu",
        affiliation="Stanford University",
        title="Professor",
        consent_updates=None,
    )
    run_tasks()
    [message] = OutboxMessage.objects.all()
    Client().post(link(message, "confirm"), HTTP_ORIGIN=ORIGIN)

    signature = Signature.objects.get()
    assert (signature.level, signature.email, signature.contact_email) == (Level.VERIFIED, "", "")
    assert signature.email_domain == "cs.stanford.edu"
    assert set(cells_containing("ada.lovelace")) == {
        "mail_outboxmessage.to",
        "mail_outboxmessage.message",
    }


def test_it_requires_a_personal_address_for_updates_on_a_letter_for_listed_domains(
    workers_letter: Letter,
) -> None:
    response = sign_at_work(workers_letter, contact_email="", consent_updates="on")

    assert response.status_code == 400
    assert "To receive updates, give a personal address" in response.text
    assert Signature.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


@pytest.mark.parametrize(
    "contact", ["wren@northwind.example", "WREN@Northwind.Example", "wren@eng.northwind.example"]
)
def test_it_refuses_a_personal_address_at_the_work_domains(
    workers_letter: Letter, contact: str
) -> None:
    response = sign_at_work(workers_letter, contact_email=contact)

    assert response.status_code == 400
    assert "Give a personal address here, not one at northwind.example." in response.text
    assert Signature.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_it_needs_no_personal_address_from_who_wants_no_updates(workers_letter: Letter) -> None:
    response = sign_at_work(workers_letter, contact_email="", consent_updates=None)

    assert response.status_code == 302
    assert Signature.objects.get().contact_email == ""


def test_it_never_writes_to_a_work_address_after_the_verification_email(
    workers_letter: Letter,
) -> None:
    verified_at_work(workers_letter)

    again = sign_at_work(workers_letter, email="WREN.WORKER@northwind.example")
    asked_with_work = ask_for_manage_link(workers_letter, WORK_ADDRESS)
    asked_with_personal = ask_for_manage_link(workers_letter, PERSONAL_ADDRESS)
    run_tasks()

    assert again.status_code == 302
    assert asked_with_work.status_code == asked_with_personal.status_code == 200
    assert [m.subject for m in sent_to(WORK_ADDRESS)] == [
        f"Confirm your signature: {workers_letter.title}"
    ]
    assert [m.subject for m in sent_to(PERSONAL_ADDRESS)] == [
        f"Your signature on {workers_letter.title} is confirmed",
        f"Your signature on {workers_letter.title}",
        f"Your signature on {workers_letter.title}",
    ]
    assert Signature.objects.count() == 1


def test_it_writes_nowhere_for_a_work_address_without_a_personal_one(
    workers_letter: Letter,
) -> None:
    verified_at_work(workers_letter, contact_email="", consent_updates=None)

    sign_at_work(workers_letter, contact_email="", consent_updates=None)
    ask_for_manage_link(workers_letter, WORK_ADDRESS)
    run_tasks()

    assert OutboxMessage.objects.count() == 1


def test_it_writes_to_a_work_address_once_even_before_it_is_confirmed(
    workers_letter: Letter,
) -> None:
    """The form promises one email to the work address "and never another"."""
    sign_at_work(workers_letter, contact_email="", consent_updates=None)
    run_tasks()

    sign_at_work(workers_letter, contact_email="", consent_updates=None)
    ask_for_manage_link(workers_letter, WORK_ADDRESS)
    run_tasks()

    assert len(sent_to(WORK_ADDRESS)) == 1


def full_cycle(letter: Letter, **fields: Any) -> None:
    """Sign, get the email, confirm, ask for a manage link and look at the manage page,
    checking after each step that the typed name is stored nowhere."""
    name_stored_nowhere()
    assert sign_at_work(letter, name=TYPED_NAME, **fields).status_code == 302
    name_stored_nowhere()
    run_tasks()
    [confirmation] = sent_to(WORK_ADDRESS)
    Client().post(link(confirmation, "confirm"), HTTP_ORIGIN=ORIGIN)
    name_stored_nowhere()
    ask_for_manage_link(letter, PERSONAL_ADDRESS)
    run_tasks()
    [confirmed, manage_link] = sent_to(PERSONAL_ADDRESS)
    assert Client().get(link(confirmed, "signature")).status_code == 200
    manage_page = Client().get(link(manage_link, "signature"))
    assert manage_page.status_code == 200
    for part in TYPED_NAME.split():
        assert part not in manage_page.text
    name_stored_nowhere()


def name_stored_nowhere() -> None:
    for part in TYPED_NAME.split():
        assert cells_containing(part) == []


def test_it_stores_an_anonymous_signers_typed_name_nowhere(workers_letter: Letter) -> None:
    full_cycle(workers_letter, display="anonymous")

    signature = Signature.objects.get()
    assert (signature.name, signatory(signature).name) == ("", "Anonymous")


def test_it_stores_an_anonymous_name_nowhere_on_a_letter_anyone_may_sign(
    organisation: Organisation,
) -> None:
    letter = make_letter(organisation, ask_comment=FieldRule.OPTIONAL)
    assert (
        sign(
            Client(), letter, name=TYPED_NAME, email=PERSONAL_ADDRESS, display="anonymous"
        ).status_code
        == 302
    )
    run_tasks()
    [confirmation] = sent_to(PERSONAL_ADDRESS)
    Client().post(link(confirmation, "confirm"), HTTP_ORIGIN=ORIGIN)
    Client().get(link(confirmation, "signature"))

    assert Signature.objects.get().name == ""
    name_stored_nowhere()


def test_it_keeps_only_the_initials_of_a_signer_shown_by_initials(workers_letter: Letter) -> None:
    full_cycle(workers_letter, display="initials")

    signature = Signature.objects.get()
    assert (signature.name, signatory(signature).name) == ("W. Q.", "W. Q.")
    manage_page = Client().get(link(sent_to(PERSONAL_ADDRESS)[0], "signature"))
    assert "<dt>Name we keep</dt><dd>W. Q.</dd>" in manage_page.text
