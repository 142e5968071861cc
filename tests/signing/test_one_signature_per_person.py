"""Invariant 2: a person signs a letter once, and a second attempt reveals nothing."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import run_tasks, sign
from tests.signing.conftest import confirm_path, in_threads
from undersigned.letters.models import Letter
from undersigned.signing.models import Signature
from undersigned.signing.signatures import REMINDER_INTERVAL

SAME_PERSON = [
    ("suzie@example.org", "SUZIE@Example.ORG"),
    ("suzie@example.org", "suzie+petition@example.org"),
    ("suzie@example.org", '"suzie"@example.org'),
    ("suzie.signer@gmail.com", "SuzieSigner@gmail.com"),
    ("suzie.signer@gmail.com", "s.u.z.i.e.s.i.g.n.e.r+news@googlemail.com"),
    ("suzie@bücher.example", "suzie@xn--bcher-kva.example"),
    ("suzie@xn--bcher-kva.example", "Suzie@BÜCHER.example"),
]


def as_seen(response: Any) -> tuple[int, dict[str, str], bytes]:
    """Everything the browser receives, less the clock: in Expires, and in the form's
    stamp of when it was shown (a re-rendered form is stamped anew, to the second)."""
    headers = {key: value for key, value in response.headers.items() if key != "Expires"}
    content = re.sub(rb'name="started" value="[^"]*"', b'name="started"', response.content)
    return response.status_code, headers, content


@pytest.mark.parametrize(("first", "again"), SAME_PERSON)
def test_it_never_records_a_second_signature_for_the_same_person(
    petition: Letter, first: str, again: str
) -> None:
    first_response = sign(Client(), petition, email=first)
    second_response = sign(Client(), petition, email=again, name="Someone Else")

    assert first_response.status_code == 302
    assert as_seen(second_response) == as_seen(first_response)
    signature = Signature.objects.get()
    assert (signature.email, signature.name) == (first, "Suzie Signer")


def test_it_answers_a_second_attempt_with_the_very_same_pages(petition: Letter) -> None:
    first = sign(Client(), petition, email="suzie@example.org")
    first_page = Client().get(first["Location"])
    again = sign(Client(), petition, email="Suzie+again@example.org")
    again_page = Client().get(again["Location"])

    assert as_seen(again) == as_seen(first)
    assert as_seen(again_page) == as_seen(first_page)
    assert Signature.objects.count() == 1


def test_it_answers_alike_once_the_signature_is_confirmed(petition: Letter) -> None:
    first = sign(Client(), petition, email="suzie@example.org")
    Client().post(confirm_path(Signature.objects.get().pk))

    again = sign(Client(), petition, email="SUZIE@example.org")

    assert as_seen(again) == as_seen(first)
    assert Signature.objects.get().is_counted


def test_it_refuses_a_trailing_dot_alike_before_and_after_the_address_signed(
    petition: Letter,
) -> None:
    before = sign(Client(), petition, email="suzie@example.org.")
    sign(Client(), petition, email="suzie@example.org")
    after = sign(Client(), petition, email="suzie@example.org.")

    assert before.status_code == 400
    assert "Enter a valid email address." in before.text
    assert as_seen(after) == as_seen(before)
    assert Signature.objects.count() == 1


def test_it_sends_at_most_one_reminder_an_hour_to_the_signed_address(petition: Letter) -> None:
    sign(Client(), petition, email="suzie.signer@gmail.com")
    run_tasks()
    for again in (
        "Suzie.Signer@gmail.com",
        "suziesigner+x@googlemail.com",
        "SUZIESIGNER@gmail.Com",
    ):
        sign(Client(), petition, email=again)
    run_tasks()

    assert [m.to for m in mail.outbox] == [["suzie.signer@gmail.com"]] * 2
    assert mail.outbox[0].subject.startswith("Confirm your signature")
    assert mail.outbox[1].subject.startswith("Your signature on")
    assert "nothing was changed" in mail.outbox[1].body

    an_hour_ago = timezone.now() - REMINDER_INTERVAL - timedelta(seconds=1)
    Signature.objects.update(reminded_at=an_hour_ago)
    sign(Client(), petition, email="suziesigner@gmail.com")
    run_tasks()
    assert len(mail.outbox) == 3
    assert Signature.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_records_one_signature_when_the_same_person_signs_from_eight_tabs_at_once(
    petition: Letter,
) -> None:
    variants = [
        "suzie.signer@gmail.com",
        "SUZIE.SIGNER@gmail.com",
        "suziesigner@googlemail.com",
        "suzie.signer+a@gmail.com",
        "s.uzie.signer+b@gmail.com",
        "SuzieSigner@GMAIL.COM",
        "suzie.signer+c@googlemail.com",
        '"suzie.signer"@gmail.com',
    ]

    responses = in_threads(len(variants), lambda i: sign(Client(), petition, email=variants[i]))

    assert {(r.status_code, r["Location"]) for r in responses} == {
        (302, f"/letters/{petition.slug}/signed/")
    }
    assert len({r.content for r in responses}) == 1
    assert Signature.objects.count() == 1
    queued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == [
        "undersigned.signing.tasks.send_confirmation",
        "undersigned.signing.tasks.send_reminder",
    ]
    run_tasks()
    assert len(mail.outbox) == 2
