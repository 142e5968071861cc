"""Who an update goes to (DESIGN.md invariant 6): counted signatures whose signer
consented and did not unsubscribe, each address once, never a work address."""

from django.core import mail

from tests.conftest import run_tasks
from tests.updates.conftest import draft, signer
from undersigned.letters.models import Letter
from undersigned.lib.email_address import email_key
from undersigned.signing.models import Signature
from undersigned.signing.recipients import Purpose, recipient, update_addressees
from undersigned.signing.signatures import signature_withdraw
from undersigned.signing.unsubscriptions import unsubscribe
from undersigned.updates.models import RecipientStatus, UpdateRecipient
from undersigned.updates.publishing import update_send


def _sent_to(letter: Letter) -> list[str]:
    mail.outbox.clear()
    update = draft(letter)
    update_send(update)
    run_tasks()
    updates = [message for message in mail.outbox if message.subject == update.subject]
    return sorted(address for message in updates for address in message.to)


def test_it_goes_to_consenting_counted_signers_and_nobody_else(petition: Letter) -> None:
    signer(petition, "ada@example.org")
    signer(petition, "bo@example.org", consent=False)
    signer(petition, "cy@example.org", confirm=False)
    gone = signer(petition, "di@example.org")
    signature_withdraw(signature_id=gone.pk)
    left = signer(petition, "ed@example.org")
    unsubscribe(petition.organisation_id, email_key("ed@example.org"))

    assert _sent_to(petition) == ["ada@example.org"]
    assert recipient(left, Purpose.UPDATE) == ""


def test_someone_who_signed_through_aliases_gets_one_copy(petition: Letter) -> None:
    signer(petition, "ada@example.org")
    # Signed again from another address, asking for news at an alias of the first.
    signer(petition, "ada@university.example", contact_email="Ada+news@Example.org")
    assert len(list(update_addressees(petition))) == 1

    assert _sent_to(petition) == ["ada@example.org"]


def test_a_work_address_never_gets_an_update_but_a_personal_one_does(
    workers_letter: Letter,
) -> None:
    ana = signer(
        workers_letter, "ana@northwind.example", consent=False, display="initials", name="Ana"
    )
    # The sign form refuses consent without a personal address here; the rule holds anyway.
    Signature.objects.filter(pk=ana.pk).update(consent_updates=True)
    signer(
        workers_letter,
        "bea@northwind.example",
        display="initials",
        name="Bea Ruiz",
        contact_email="bea@home.example",
    )

    assert _sent_to(workers_letter) == ["bea@home.example"]


def test_unsubscribing_from_one_letter_stops_the_organisations_other_letters(
    petition: Letter, organisation: object
) -> None:
    from tests.conftest import make_letter

    other = make_letter(petition.organisation, slug="second-letter")
    signer(petition, "ada@example.org")
    signer(other, "ada@example.org")
    unsubscribe(petition.organisation_id, email_key("ada@example.org"))

    assert _sent_to(other) == []


def test_a_signer_who_withdraws_after_the_list_was_made_is_skipped(petition: Letter) -> None:
    signer(petition, "ada@example.org")
    leaving = signer(petition, "bo@example.org")
    update = draft(petition)
    update_send(update)
    from undersigned.updates.sending import recipients_list

    recipients_list(update)
    signature_withdraw(signature_id=leaving.pk)
    mail.outbox.clear()
    run_tasks()

    assert [message.to for message in mail.outbox if message.subject == update.subject] == [
        ["ada@example.org"]
    ]
    statuses = sorted(UpdateRecipient.objects.values_list("status", flat=True))
    assert statuses == [RecipientStatus.SENT, RecipientStatus.SKIPPED]
