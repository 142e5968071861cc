import pytest

from undersigned.lib.email_address import canonical_email, email_domain


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
