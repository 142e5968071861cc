import hashlib
from typing import Any

import pytest

from undersigned.lib.email_address import canonical_email, email_domain, email_key


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("suzie@example.org", "suzie@example.org"),
        ("Suzie@Example.ORG", "suzie@example.org"),
        ("  suzie@example.org ", "suzie@example.org"),
        ("suzie+petition@example.org", "suzie@example.org"),
        ("suzie+a+b@example.org", "suzie@example.org"),
        ("suzie+@example.org", "suzie@example.org"),
        ("suzie@example.org.", "suzie@example.org"),
        ("s.u.z.i.e@gmail.com", "suzie@gmail.com"),
        ("S.Uzie+News@GMail.com", "suzie@gmail.com"),
        ("s.uzie@googlemail.com", "suzie@gmail.com"),
        ("suzie@googlemail.com.", "suzie@gmail.com"),
        ("suzie@bücher.example", "suzie@xn--bcher-kva.example"),
        ("SUZIE@BÜCHER.EXAMPLE", "suzie@xn--bcher-kva.example"),
        ("suzie@xn--bcher-kva.example", "suzie@xn--bcher-kva.example"),
        ('"suzie"@example.org', "suzie@example.org"),
        ('"Suzie+tag"@example.org', "suzie@example.org"),
        ('"s.uzie"@gmail.com', "suzie@gmail.com"),
        ('"su\\zie"@example.org', "suzie@example.org"),
    ],
)
def test_it_folds_addresses_that_reach_the_same_mailbox(address: str, canonical: str) -> None:
    assert canonical_email(address) == canonical


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("s.uzie@example.org", "suzie@example.org"),  # dots matter outside Gmail
        ("suzie@example.org", "suzie@example.org.evil.example"),
        ("suzie@example.org", "suzie@mail.example.org"),
        ("suzie@gmail.com", "suzie@gmail.co"),
        ('"suzie signer"@example.org', "suziesigner@example.org"),
    ],
)
def test_it_keeps_different_mailboxes_apart(one: str, other: str) -> None:
    assert canonical_email(one) != canonical_email(other)


def test_it_gives_the_domain_in_its_canonical_form() -> None:
    assert email_domain("Olu@Northwind.Example.") == "northwind.example"
    assert email_domain("olu@BÜCHER.example") == "xn--bcher-kva.example"
    assert email_domain("olu@googlemail.com") == "gmail.com"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("suzie@example.org", "SUZIE@Example.ORG"),
        ("suzie@example.org", "suzie+petition@example.org"),
        ("suzie@example.org", '"suzie"@example.org'),
        ("s.u.z.i.e@gmail.com", "suzie+news@googlemail.com"),
        ("suzie@bücher.example", "suzie@xn--bcher-kva.example"),
    ],
)
def test_it_gives_one_key_to_addresses_that_reach_the_same_mailbox(one: str, other: str) -> None:
    assert email_key(one) == email_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("s.uzie@example.org", "suzie@example.org"),
        ("suzie@example.org", "suzie@example.org.evil.example"),
        ("suzie@microsoft.com", "suzie@micrоsoft.com"),  # noqa: RUF001 (a Cyrillic o)
        ("suzie@example.org", "susie@example.org"),
    ],
)
def test_it_gives_different_mailboxes_different_keys(one: str, other: str) -> None:
    assert email_key(one) != email_key(other)


def test_it_keeps_no_trace_of_the_address_in_its_key() -> None:
    key = email_key("suzie@example.org")
    assert len(key) == 64
    assert "suzie" not in key
    assert key != hashlib.sha256(b"suzie@example.org").hexdigest()


def test_it_derives_the_key_from_the_server_secret(settings: Any) -> None:
    """Without the secret, hashing a list of addresses finds no signer."""
    settings.SECRET_KEY = "one server's secret, long enough to be a real one"
    one = email_key("suzie@example.org")
    settings.SECRET_KEY = "another server's secret, just as long as the first"
    assert email_key("suzie@example.org") != one
    settings.SECRET_KEY = "one server's secret, long enough to be a real one"
    assert email_key("suzie@example.org") == one
