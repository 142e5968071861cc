"""Finding a letter's signatures by subnet, domain, state, suspect code and time, and
showing each as the public presenter would: no address, no hidden name."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import signed_and_confirmed
from tests.moderation.conftest import member, signatures_from, signed_in
from undersigned.letters.models import Letter
from undersigned.lib.network import subnet_hash
from undersigned.moderation.labels import subnet_label
from undersigned.moderation.search import SearchForm
from undersigned.organisations.models import Organisation, Role
from undersigned.signing.holds import signature_hold
from undersigned.signing.models import Signature


def found(letter: Letter, **query: str) -> set[int]:
    form = SearchForm(query, letter=letter)
    assert form.is_valid(), form.errors
    return set(form.signatures().values_list("pk", flat=True))


@pytest.fixture
def moderator(organisation: Organisation) -> Client:
    return signed_in(member(organisation, Role.MODERATOR))


def test_it_finds_by_subnet_label_domain_state_and_time(petition: Letter) -> None:
    now = timezone.now()
    campus = signatures_from(petition, ["192.0.2.1", "192.0.2.2"], 4, at=now)
    earlier = signatures_from(petition, "192.0.2.3", 2, at=now - timedelta(hours=5))
    burst = signatures_from(petition, "198.51.100.1", 3, at=now, domain="burst.example")
    signature_hold(signature_id=burst[0])
    label = subnet_label(subnet_hash("192.0.2.1"))

    assert found(petition, subnet=label) == set(campus + earlier)
    assert found(petition, subnet=label.replace("-", "")[:8]) == set(campus + earlier)
    assert found(petition, domain="burst.example") == set(burst)
    assert found(petition, domain="@Burst.Example") == set(burst)
    assert found(petition, state="held") == {burst[0]}
    assert found(petition, state="counted", domain="burst.example") == set(burst[1:])
    since = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert found(petition, subnet=label, since=since) == set(campus)
    assert found(petition, until=since) == set(earlier)


def test_it_finds_by_suspect_code(petition: Letter) -> None:
    now = timezone.now()
    fast = signatures_from(petition, "192.0.2.1", 2, at=now, suspect="too_fast")
    both = signatures_from(petition, "192.0.2.2", 1, at=now, suspect="honeypot,too_fast")
    honeypot = signatures_from(petition, "192.0.2.3", 1, at=now, suspect="honeypot")
    signatures_from(petition, "192.0.2.4", 3, at=now)

    assert found(petition, suspect="too_fast") == set(fast + both)
    assert found(petition, suspect="honeypot") == set(both + honeypot)
    assert found(petition, suspect="*") == set(fast + both + honeypot)
    form = SearchForm({}, letter=petition)
    assert [c for c, _label in form.fields["suspect"].choices][2:] == ["honeypot", "too_fast"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"subnet": "192.0.2.1"}, "four to twelve hex digits"),
        ({"since": "2026-12-02T10:00", "until": "2026-12-02T09:00"}, "later than"),
        ({"since": "yesterday"}, "Enter a valid date/time"),
        ({"state": "lost"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_error(
    petition: Letter, moderator: Client, query: dict[str, str], error: str
) -> None:
    page = moderator.get(f"/dashboard/letters/{petition.slug}/moderation/signatures/", query)
    assert page.status_code == 400
    assert error in page.text


def test_results_show_ids_time_state_codes_domain_and_label_but_no_address(
    petition: Letter, moderator: Client
) -> None:
    [pk] = signatures_from(petition, "192.0.2.1", 1, at=timezone.now(), suspect="too_fast")
    page = moderator.get(
        f"/dashboard/letters/{petition.slug}/moderation/signatures/", {"domain": "example.org"}
    )
    assert page.status_code == 200
    signature = Signature.objects.get(pk=pk)
    for shown in (f"<th scope=\"row\">{pk}</th>", "Counted", "too_fast", "example.org",
                  subnet_label(signature.subnet_hash), signature.name):  # fmt: skip
        assert shown in page.text
    assert "1 signature found" in page.text
    assert "signer" not in page.text.replace("Signer", "")  # not the address's local part
    assert "192.0.2" not in page.text and signature.subnet_hash not in page.text


def test_a_hidden_name_stays_hidden(petition: Letter, moderator: Client) -> None:
    hidden = signed_and_confirmed(
        petition, "hidden@example.org", "Hidden Person", display="anonymous"
    )
    shown = signed_and_confirmed(petition, "shown@example.org", "Shown Person")
    page = moderator.get(
        f"/dashboard/letters/{petition.slug}/moderation/signatures/", {"state": "counted"}
    )
    assert "Shown Person" in page.text
    assert "Hidden" not in page.text and "hidden@" not in page.text
    assert "Anonymous" in page.text
    assert hidden.pk and shown.pk


def test_no_name_is_shown_before_the_reveal_threshold(
    workers_letter: Letter, moderator: Client
) -> None:
    Letter.objects.filter(pk=workers_letter.pk).update(reveal_threshold=50)
    early = signed_and_confirmed(
        workers_letter, "early@northwind.example", "Early Bird", display="initials"
    )
    page = moderator.get(
        f"/dashboard/letters/{workers_letter.slug}/moderation/signatures/", {"state": ""}
    )
    assert page.status_code == 200
    assert "1 signature found" in page.text
    assert early.name == "E. B." and "E. B." not in page.text
    assert "not shown before the reveal threshold" in page.text
