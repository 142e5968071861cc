"""Who may sign: listed domains without look-alikes, academic domains, no disposable ones.

Every refusal happens before anything is recorded or any email is sent.
"""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.conftest import make_letter, run_tasks, sign
from tests.signing.conftest import confirm_path
from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.email_address import email_domain
from undersigned.organisations.models import Organisation
from undersigned.signing.eligibility import domain_matches
from undersigned.signing.models import Level, Signature

CYRILLIC_O = "\u043e"
PROFESSOR = {"affiliation": "Stanford University", "title": "Professor"}
LOOK_ALIKES = [
    "wren@microsoft.com.evil.example",
    "wren@evilmicrosoft.com",
    "wren@microsoft.co",
    "wren@microsoft.com-evil.example",
    f"wren@micr{CYRILLIC_O}soft.com",
    f"wren@MICR{CYRILLIC_O.upper()}SOFT.com",
    "wren@xn--micrsoft-qbh.com",  # the Cyrillic one, as its ASCII form
]


@pytest.fixture
def employer_letter(organisation: Organisation) -> Letter:
    return make_letter(
        organisation,
        slug="microsoft-workers",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="microsoft.com",
    )


def sign_at_work(letter: Letter, email: str) -> Any:
    """Sign without asking for updates, which would need a personal address."""
    return sign(Client(), letter, email=email, consent_updates=None)


def nothing_happened() -> None:
    """No signature, no queued email, and none sent once the worker has run."""
    assert Signature.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    run_tasks()
    assert mail.outbox == []


@pytest.mark.parametrize("email", LOOK_ALIKES)
def test_it_refuses_look_alikes_of_a_listed_domain(employer_letter: Letter, email: str) -> None:
    response = sign_at_work(employer_letter, email)

    assert response.status_code == 400
    assert "This letter can only be signed with an address at microsoft.com." in response.text
    nothing_happened()


def test_it_refuses_an_address_with_a_trailing_dot_as_the_form_does_everywhere(
    employer_letter: Letter,
) -> None:
    response = sign_at_work(employer_letter, "wren@microsoft.com.")

    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    nothing_happened()


@pytest.mark.parametrize(
    "email",
    ["wren@microsoft.com", "Wren@MicroSoft.COM", "WREN@MICROSOFT.COM", "wren@eng.microsoft.com"],
)
def test_it_accepts_the_listed_domain_in_any_case(employer_letter: Letter, email: str) -> None:
    response = sign_at_work(employer_letter, email)

    assert response.status_code == 302
    assert Signature.objects.get().email_domain == email.rpartition("@")[2].lower()


@pytest.mark.parametrize(
    ("address", "matches"),
    [
        ("wren@microsoft.com", True),
        ("wren@MICROSOFT.COM.", True),
        ("wren@eng.microsoft.com", True),
        ("wren@a.b.microsoft.com", True),
        ("wren@microsoft.com.evil.example", False),
        ("wren@evilmicrosoft.com", False),
        ("wren@evil-microsoft.com", False),
        ("wren@microsoft.co", False),
        ("wren@com", False),
        (f"wren@micr{CYRILLIC_O}soft.com", False),
        (f"wren@eng.micr{CYRILLIC_O}soft.com", False),
        ("wren@microsoft.com\u3002evil.example", False),  # an ideographic full stop
    ],
)
def test_it_matches_domains_in_canonical_form_only(address: str, matches: bool) -> None:
    assert domain_matches(email_domain(address), "microsoft.com") is matches


def test_it_matches_subdomains_only_when_asked() -> None:
    assert domain_matches("microsoft.com", "microsoft.com", subdomains=False)
    assert not domain_matches("eng.microsoft.com", "microsoft.com", subdomains=False)
    assert domain_matches("eng.microsoft.com", "microsoft.com", subdomains=True)


def test_it_refuses_subdomains_on_a_letter_that_excludes_them(organisation: Organisation) -> None:
    letter = make_letter(
        organisation,
        eligibility=Eligibility.DOMAINS,
        eligible_domains="microsoft.com\nmicrosoft.example",
        include_subdomains=False,
    )

    refused = sign_at_work(letter, "wren@eng.microsoft.com")
    nothing_happened()
    accepted = sign_at_work(letter, "wren@microsoft.example")

    assert refused.status_code == 400
    assert (
        "This letter can only be signed with an address at microsoft.com, microsoft.example."
        in refused.text
    )
    assert accepted.status_code == 302
    assert Signature.objects.get().email_domain == "microsoft.example"


def test_it_refuses_an_address_outside_the_domains_before_any_email(
    employer_letter: Letter,
) -> None:
    response = sign_at_work(employer_letter, "wren@gmail.com")

    assert response.status_code == 400
    assert "This letter can only be signed with an address at microsoft.com." in response.text
    nothing_happened()


def test_it_verifies_an_address_at_a_subdomain_as_an_employee(employer_letter: Letter) -> None:
    sign_at_work(employer_letter, "wren@eng.microsoft.com")

    page = Client().post(confirm_path(Signature.objects.get().pk))

    assert "Verified employee" in page.text
    assert Signature.objects.get().level == Level.VERIFIED


@pytest.mark.parametrize(
    "email", ["ada@stanford.edu", "ada@cs.stanford.edu", "ada@CS.Stanford.EDU"]
)
def test_it_verifies_a_university_address_and_its_subdomains(
    academic_letter: Letter, email: str
) -> None:
    assert sign(Client(), academic_letter, email=email, **PROFESSOR).status_code == 302

    page = Client().post(confirm_path(Signature.objects.get().pk))

    assert "Verified · Stanford University" in page.text
    signature = Signature.objects.get()
    assert (signature.level, signature.institution) == (Level.VERIFIED, "Stanford University")


@pytest.mark.parametrize(
    "email",
    ["ada@stanford.edu.evil.example", "ada@evilstanford.edu", f"ada@stanf{CYRILLIC_O}rd.edu"],
)
def test_it_refuses_look_alikes_of_a_university_domain(academic_letter: Letter, email: str) -> None:
    response = sign(Client(), academic_letter, email=email, **PROFESSOR)

    assert response.status_code == 400
    assert "only be signed with a university or research address" in response.text
    nothing_happened()


@pytest.mark.parametrize(
    "email", ["suzie@mailinator.com", "suzie@MAILINATOR.com", "suzie@box.mailinator.com"]
)
def test_it_refuses_a_disposable_address_and_records_nothing(petition: Letter, email: str) -> None:
    response = sign(Client(), petition, email=email)

    assert response.status_code == 400
    assert "are disposable, and a signature must stay reachable." in response.text
    assert "Sign with an address you keep." in response.text
    nothing_happened()


def test_it_accepts_a_disposable_domain_the_organiser_listed(organisation: Organisation) -> None:
    letter = make_letter(
        organisation, eligibility=Eligibility.DOMAINS, eligible_domains="mailinator.com"
    )

    response = sign_at_work(letter, "wren@mailinator.com")

    assert response.status_code == 302
    run_tasks()
    assert [message.to for message in mail.outbox] == [["wren@mailinator.com"]]


def test_it_refuses_a_disposable_address_on_an_academic_letter_too(
    academic_letter: Letter,
) -> None:
    response = sign(Client(), academic_letter, email="ada@yopmail.com", **PROFESSOR)

    assert response.status_code == 400
    assert "Addresses at yopmail.com are disposable" in response.text
    nothing_happened()
