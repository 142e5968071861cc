"""Withdrawal: through the link in the confirmation email or one asked for later; final,
and the count follows at once."""

import re
import time
from typing import Any

import pytest
from django.core import mail, signing
from django.test import Client

from tests.conftest import make_letter, run_tasks, sign, signed_and_confirmed_by_email
from tests.signing.conftest import confirm_path, in_threads, reconcile
from undersigned.letters.models import Eligibility, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import LetterCount, letter_count
from undersigned.signing.models import Signature
from undersigned.signing.tokens import MANAGE_SALT, manage_token

ORIGIN = "http://testserver"
NOT_VALID = "This link is not valid or has expired, or the signature was withdrawn."
DAY = 60 * 60 * 24


class SignedAt(signing.TimestampSigner):
    """Signs as signing.dumps does, but as if at another moment: a link made then."""

    def __init__(self, moment: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.moment = moment

    def timestamp(self) -> str:
        return signing.b62_encode(int(self.moment))


def manage_token_made(seconds_ago: float, signature_id: int, *, requested: bool) -> str:
    signer = SignedAt(time.time() - seconds_ago, salt=MANAGE_SALT)
    return signer.sign_object([signature_id, "r" if requested else "c"])


def link(message: mail.EmailMessage, kind: str) -> str:
    match = re.search(rf"http://\S+?(/{kind}/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def public_count(letter: Letter) -> int:
    return int(Client().get(f"/letters/{letter.slug}/count.json").json()["total_signatures"])


def as_seen(response: Any) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
    """Everything the browser receives, less the clock in Expires."""
    headers = tuple(sorted((k, v) for k, v in response.headers.items() if k != "Expires"))
    return response.status_code, headers, response.content


def ask_for_manage_link(letter: Letter, address: str) -> Any:
    return Client().post(f"/letters/{letter.slug}/manage/", {"email": address}, HTTP_ORIGIN=ORIGIN)


def test_it_opens_the_manage_page_from_the_confirmation_email_and_withdraws_only_on_post(
    petition: Letter,
) -> None:
    message = signed_and_confirmed_by_email(petition, "suzie@example.org", comment="Drop it now")
    manage = link(message, "signature")

    page = Client().get(manage)

    assert page.status_code == 200
    assert f"Your signature on “{petition.title}”" in page.text
    assert "<dt>Name we keep</dt><dd>Suzie Signer</dd>" in page.text
    assert "<dt>Comment</dt><dd>Drop it now</dd>" in page.text
    assert "Withdraw my signature" in page.text
    assert Signature.objects.count() == 1
    assert public_count(petition) == 1


def test_it_withdraws_for_good_and_takes_the_signature_off_every_count(
    academic_letter: Letter,
) -> None:
    professor = {"affiliation": "Stanford University", "title": "Professor"}
    ada = signed_and_confirmed_by_email(
        academic_letter, "ada@stanford.edu", name="Ada Lovelace", **professor
    )
    signed_and_confirmed_by_email(academic_letter, "bob@mit.edu", name="Bob Stays", **professor)
    assert letter_count(academic_letter.pk) == LetterCount(total=2, verified=2)
    signatures_page = f"/letters/{academic_letter.slug}/signatures/"
    assert "Ada Lovelace" in Client().get(signatures_page).text

    done = Client().post(link(ada, "signature"), HTTP_ORIGIN=ORIGIN)

    assert done.status_code == 200
    assert "Your signature is withdrawn" in done.text
    assert list(Signature.objects.values_list("name", flat=True)) == ["Bob Stays"]
    assert letter_count(academic_letter.pk) == LetterCount(total=1, verified=1)
    assert public_count(academic_letter) == 1
    assert "Ada Lovelace" not in Client().get(signatures_page).text
    assert "All counts match their signatures" in reconcile("--check")

    again = Client().post(link(ada, "signature"), HTTP_ORIGIN=ORIGIN)
    assert again.status_code == 404
    assert NOT_VALID in again.text
    assert Client().get(link(ada, "signature")).status_code == 404
    assert letter_count(academic_letter.pk) == LetterCount(total=1, verified=1)


def test_it_refuses_a_withdrawal_posted_from_another_site(petition: Letter) -> None:
    message = signed_and_confirmed_by_email(petition, "suzie@example.org")

    response = Client().post(link(message, "signature"), HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 403
    assert Signature.objects.count() == 1
    assert public_count(petition) == 1


def test_it_withdraws_a_pending_signature(petition: Letter) -> None:
    sign(Client(), petition, email="suzie@example.org")
    run_tasks()
    [message] = mail.outbox

    done = Client().post(link(message, "signature"), HTTP_ORIGIN=ORIGIN)

    assert "Your signature is withdrawn" in done.text
    assert Signature.objects.count() == 0
    assert letter_count(petition.pk) == LetterCount(total=0, verified=0)
    assert "All counts match their signatures" in reconcile("--check")
    late = Client().post(link(message, "confirm"), HTTP_ORIGIN=ORIGIN)
    assert late.status_code == 404
    assert public_count(petition) == 0


@pytest.fixture
def workers_letter(organisation: Organisation) -> Letter:
    return make_letter(
        organisation,
        slug="northwind-workers",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
    )


@pytest.mark.parametrize(
    "asked_with", ["wren@northwind.example", "Wren.At.Home@Example.net", "wren.at.home@example.net"]
)
def test_it_sends_a_link_asked_for_only_to_the_personal_address(
    workers_letter: Letter, asked_with: str
) -> None:
    signed_and_confirmed_by_email(
        workers_letter,
        "wren@northwind.example",
        contact_email="wren.at.home@example.net",
        display="anonymous",
    )
    run_tasks()  # the link sent once she confirmed
    mail.outbox.clear()

    response = ask_for_manage_link(workers_letter, asked_with)
    run_tasks()

    assert response.status_code == 200
    assert "Check your email" in response.text
    [message] = mail.outbox
    assert message.to == ["wren.at.home@example.net"]
    page = Client().get(link(message, "signature"))
    assert page.status_code == 200
    assert "Withdraw my signature" in page.text
    Client().post(link(message, "signature"), HTTP_ORIGIN=ORIGIN)
    assert Signature.objects.count() == 0
    assert letter_count(workers_letter.pk) == LetterCount(total=0, verified=0)


def test_it_keeps_the_link_to_withdraw_out_of_the_work_mailbox(workers_letter: Letter) -> None:
    """Whoever can read the work mailbox must not be able to withdraw her signature."""
    confirmation = signed_and_confirmed_by_email(
        workers_letter,
        "wren@northwind.example",
        contact_email="wren.at.home@example.net",
        display="anonymous",
    )
    assert "/signature/" not in confirmation.body
    assert "to the personal address you gave, not here" in confirmation.body
    run_tasks()

    [confirmation_again, confirmed] = mail.outbox
    assert confirmation_again.to == ["wren@northwind.example"]
    assert confirmed.to == ["wren.at.home@example.net"]
    assert confirmed.subject == f"Your signature on {workers_letter.title} is confirmed"
    page = Client().get(link(confirmed, "signature"))
    assert "Withdraw my signature" in page.text
    Client().post(link(confirmed, "signature"), HTTP_ORIGIN=ORIGIN)
    assert Signature.objects.count() == 0


def test_it_sends_a_link_to_the_address_that_signed_when_it_is_kept(petition: Letter) -> None:
    signed_and_confirmed_by_email(petition, "suzie.signer@gmail.com")
    mail.outbox.clear()

    ask_for_manage_link(petition, "SuzieSigner+x@googlemail.com")
    run_tasks()

    assert [message.to for message in mail.outbox] == [["suzie.signer@gmail.com"]]


def test_it_answers_alike_whoever_asks_for_a_link(workers_letter: Letter) -> None:
    signed_and_confirmed_by_email(
        workers_letter, "wren@northwind.example", contact_email="wren.at.home@example.net"
    )
    signed_and_confirmed_by_email(workers_letter, "nora@northwind.example", consent_updates=None)

    answers = [
        as_seen(ask_for_manage_link(workers_letter, address))
        for address in (
            "wren@northwind.example",  # signed, with a personal address
            "wren.at.home@example.net",
            "nora@northwind.example",  # signed, with nowhere to write to
            "nobody@northwind.example",  # never signed
            "stranger@example.org",
        )
    ]

    assert len(set(answers)) == 1
    assert answers[0][0] == 200


def test_it_refuses_a_link_asked_for_once_a_day_has_passed(petition: Letter) -> None:
    sign(Client(), petition, email="suzie@example.org")
    signature = Signature.objects.get()
    fresh = manage_token_made(0, signature.pk, requested=True)
    assert fresh.split(":")[0] == manage_token(signature.pk, requested=True).split(":")[0]
    assert Client().get(f"/signature/{fresh}/").status_code == 200
    almost = manage_token_made(DAY - 60, signature.pk, requested=True)
    assert Client().get(f"/signature/{almost}/").status_code == 200

    expired = manage_token_made(DAY + 60, signature.pk, requested=True)
    refused = Client().post(f"/signature/{expired}/", HTTP_ORIGIN=ORIGIN)

    assert refused.status_code == 404
    assert NOT_VALID in refused.text
    assert Signature.objects.count() == 1


def test_it_keeps_the_confirmation_emails_link_for_a_year(petition: Letter) -> None:
    sign(Client(), petition, email="suzie@example.org")
    signature = Signature.objects.get()

    months_old = manage_token_made(300 * DAY, signature.pk, requested=False)
    too_old = manage_token_made(366 * DAY, signature.pk, requested=False)

    assert Client().get(f"/signature/{months_old}/").status_code == 200
    assert Client().post(f"/signature/{too_old}/", HTTP_ORIGIN=ORIGIN).status_code == 404
    assert Signature.objects.count() == 1


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps([1, "c"], salt="undersigned.signing.confirm"),  # another purpose's salt
        signing.dumps([1, "x"], salt=MANAGE_SALT),
        signing.dumps(1, salt=MANAGE_SALT),
    ],
)
def test_it_refuses_a_forged_or_mismatched_link(petition: Letter, token: str) -> None:
    sign(Client(), petition, email="suzie@example.org")

    response = Client().post(f"/signature/{token}/", HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 404
    assert Signature.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_takes_off_exactly_what_was_counted_when_withdrawal_races_confirmation(
    academic_letter: Letter,
) -> None:
    professor = {"affiliation": "Stanford University", "title": "Professor"}
    for n in range(8):
        sign(Client(), academic_letter, email=f"prof{n}@stanford.edu", **professor)
    ids = sorted(Signature.objects.values_list("pk", flat=True))

    def confirm_or_withdraw(index: int) -> int:
        signature_id = ids[index // 2]
        if index % 2:
            path = f"/signature/{manage_token(signature_id, requested=False)}/"
        else:
            path = confirm_path(signature_id)
        client = Client(raise_request_exception=False)  # an error is an answer to check
        return client.post(path, HTTP_ORIGIN=ORIGIN).status_code

    statuses = in_threads(2 * len(ids), confirm_or_withdraw)

    assert Signature.objects.count() == 0
    assert letter_count(academic_letter.pk) == LetterCount(total=0, verified=0)
    assert "All counts match their signatures" in reconcile("--check")
    assert set(statuses) <= {200, 404}
