"""Abuse of the verification path is contained: nobody can make us flood an inbox."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import make_letter, run_tasks, sign
from tests.signing.conftest import confirm_path, in_threads
from undersigned.letters.models import Eligibility, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.models import ConfirmationQuota, Signature
from undersigned.signing.signatures import MAX_REMINDERS, REMINDER_INTERVAL

ORIGIN = "http://testserver"
FLOODED = "This address was sent too many confirmation emails today. Try again tomorrow."
# One mailbox, written differently each time.
VARIANTS = [
    "suzie.signer@gmail.com",
    "SuzieSigner@gmail.com",
    "suzie.signer+a@googlemail.com",
    "S.U.Z.I.E.Signer@gmail.com",
    "suziesigner+b@gmail.com",
    "SUZIE.SIGNER@GMAIL.COM",
    "suzie.signer+c@gmail.com",
    "suziesigner@googlemail.com",
]


def letters(organisation: Organisation, count: int) -> list[Letter]:
    return [make_letter(organisation, slug=f"letter-{n}") for n in range(count)]


def state() -> tuple[int, int]:
    return Signature.objects.count(), DBTaskResult.objects.count()


def test_it_caps_confirmation_emails_to_one_address_across_letters(
    organisation: Organisation, settings: Any
) -> None:
    cap = settings.CONFIRMATIONS_PER_ADDRESS_PER_DAY
    *allowed, refused_letter = letters(organisation, cap + 1)
    for letter, email in zip(allowed, VARIANTS, strict=False):
        assert sign(Client(), letter, email=email).status_code == 302
    before = state()

    refused = sign(Client(), refused_letter, email=VARIANTS[cap])

    assert refused.status_code == 400
    assert FLOODED in refused.text
    assert 'role="alert"' in refused.text
    assert state() == before
    assert not Signature.objects.filter(letter=refused_letter).exists()
    run_tasks()
    assert len(mail.outbox) == cap
    assert {tuple(message.to) for message in mail.outbox} == set(
        (email,) for email in VARIANTS[:cap]
    )


def test_it_leaves_other_addresses_alone(organisation: Organisation, settings: Any) -> None:
    settings.CONFIRMATIONS_PER_ADDRESS_PER_DAY = 2
    first, second, third = letters(organisation, 3)
    sign(Client(), first, email="suzie@example.org")
    sign(Client(), second, email="suzie@example.org")

    assert sign(Client(), third, email="suzie@example.org").status_code == 400
    assert sign(Client(), third, email="sam@example.org").status_code == 302


def test_it_allows_the_address_again_once_the_day_has_passed(
    organisation: Organisation, settings: Any
) -> None:
    settings.CONFIRMATIONS_PER_ADDRESS_PER_DAY = 2
    first, second, third = letters(organisation, 3)
    sign(Client(), first, email="suzie@example.org")
    sign(Client(), second, email="suzie@example.org")
    assert sign(Client(), third, email="suzie@example.org").status_code == 400

    ConfirmationQuota.objects.update(day=timezone.now().date() - timedelta(days=1))

    assert sign(Client(), third, email="suzie@example.org").status_code == 302
    assert Signature.objects.count() == 3


def test_it_answers_a_spent_address_alike_whether_or_not_it_signed_the_letter(
    organisation: Organisation, settings: Any
) -> None:
    settings.CONFIRMATIONS_PER_ADDRESS_PER_DAY = 2
    first, second, third = letters(organisation, 3)
    sign(Client(), first, email="suzie@example.org")
    sign(Client(), second, email="suzie@example.org")

    signed = sign(Client(), first, email="suzie@example.org")
    not_signed = sign(Client(), third, email="suzie@example.org")

    assert (signed.status_code, not_signed.status_code) == (400, 400)
    assert FLOODED in signed.text and FLOODED in not_signed.text
    assert Signature.objects.count() == 2


def test_it_spends_no_quota_on_a_second_attempt_at_the_same_letter(
    organisation: Organisation, settings: Any
) -> None:
    settings.CONFIRMATIONS_PER_ADDRESS_PER_DAY = 2
    first, second = letters(organisation, 2)
    for variant in VARIANTS[:4]:
        assert sign(Client(), first, email=variant).status_code == 302

    assert sign(Client(), second, email="suzie.signer@gmail.com").status_code == 302
    assert ConfirmationQuota.objects.get().used == 2


@pytest.mark.django_db(transaction=True)
def test_it_caps_confirmation_emails_when_one_address_signs_many_letters_at_once(
    organisation: Organisation, settings: Any
) -> None:
    targets = letters(organisation, len(VARIANTS))

    responses = in_threads(
        len(targets), lambda i: sign(Client(), targets[i], email=VARIANTS[i]).status_code
    )

    cap = settings.CONFIRMATIONS_PER_ADDRESS_PER_DAY
    assert Signature.objects.count() == cap
    assert sorted(responses) == [302] * cap + [400] * (len(targets) - cap)


def test_it_reminds_at_most_hourly_and_at_most_twice(petition: Letter) -> None:
    sign(Client(), petition, email="suzie.signer@gmail.com")
    for _ in range(MAX_REMINDERS + 2):
        for variant in VARIANTS[1:4]:  # several attempts within the hour
            assert sign(Client(), petition, email=variant).status_code == 302
        an_hour_ago = timezone.now() - REMINDER_INTERVAL - timedelta(seconds=1)
        Signature.objects.filter(reminded_at__isnull=False).update(reminded_at=an_hour_ago)
    run_tasks()

    subjects = [message.subject for message in mail.outbox]
    assert (
        subjects
        == [f"Confirm your signature: {petition.title}"]
        + [f"Your signature on {petition.title}"] * MAX_REMINDERS
    )
    assert Signature.objects.get().reminders_sent == MAX_REMINDERS
    assert {tuple(message.to) for message in mail.outbox} == {("suzie.signer@gmail.com",)}


def test_it_sends_no_reminder_to_an_address_it_has_forgotten(organisation: Organisation) -> None:
    letter = make_letter(organisation)
    sign(Client(), letter, email="ada@stanford.edu", consent_updates=None)
    Client().post(confirm_path(Signature.objects.get().pk), HTTP_ORIGIN=ORIGIN)
    run_tasks()
    mail.outbox.clear()

    assert sign(Client(), letter, email="ADA@stanford.edu").status_code == 302
    run_tasks()

    assert mail.outbox == []
    assert Signature.objects.get().reminders_sent == 0


def ask_for_manage_link(letter: Letter, address: str) -> Any:
    return Client().post(f"/letters/{letter.slug}/manage/", {"email": address}, HTTP_ORIGIN=ORIGIN)


def test_it_sends_at_most_three_manage_links_an_hour_per_signature(
    organisation: Organisation,
) -> None:
    letter = make_letter(
        organisation, eligibility=Eligibility.DOMAINS, eligible_domains="northwind.example"
    )
    sign(Client(), letter, email="wren@northwind.example", contact_email="wren@example.net")
    sign(Client(), letter, email="nora@northwind.example", contact_email="nora@example.net")
    run_tasks()
    mail.outbox.clear()

    answers = [
        ask_for_manage_link(letter, address).content
        for address in ["wren@northwind.example", "wren@example.net"] * 3
    ]
    ask_for_manage_link(letter, "nora@example.net")
    run_tasks()

    assert len(set(answers)) == 1
    recipients = [message.to for message in mail.outbox]
    assert recipients.count(["wren@example.net"]) == 3
    assert recipients.count(["nora@example.net"]) == 1
    assert len(recipients) == 4


def test_it_refuses_manage_link_requests_beyond_the_network_limit(
    petition: Letter, settings: Any
) -> None:
    settings.SIGNATURE_RATE_LIMIT = "2/h"
    for _ in range(2):
        assert ask_for_manage_link(petition, "someone@example.org").status_code == 200

    refused = ask_for_manage_link(petition, "someone@example.org")

    assert refused.status_code == 429
    assert "Too many requests from your network. Try later." in refused.text
    assert DBTaskResult.objects.count() == 0
