"""Addresses no public mailbox can be are refused before anything is written or sent, and
the sign form's origin check compares the whole origin, scheme included."""

import pytest
from django.core import mail
from django.test import Client, RequestFactory, override_settings
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import sign
from undersigned.lib.email_address import is_public_mailbox
from undersigned.lib.origin import is_same_origin
from undersigned.signing.models import Signature

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    [
        "a@localhost",
        "a@LOCALHOST.",
        "a@[127.0.0.1]",
        "a@[IPv6:::1]",
        "a@127.0.0.1",
        "a@printer.local",
        "a@intranet",
        "x" * 65 + "@example.org",
        "@example.org",
        "a@example..org",
    ],
)
def test_an_address_no_public_mailbox_can_be_is_refused(client: Client, petition, address):
    response = sign(client, petition, email=address)

    assert response.status_code == 400
    assert not Signature.objects.exists()
    assert mail.outbox == []


def test_a_64_character_local_part_is_accepted():
    assert is_public_mailbox("x" * 64 + "@example.org")
    assert not is_public_mailbox("x" * 65 + "@example.org")


@given(st.emails())
def test_every_address_with_a_dotted_public_domain_is_a_mailbox(address):
    local, _, domain = address.rpartition("@")
    expected = (
        len(local.encode()) <= 64
        and "." in domain
        and domain.rsplit(".", 1)[-1].lower()
        not in {"localhost", "local", "localdomain", "internal", "lan", "home"}
    )
    assert is_public_mailbox(address) == expected


@override_settings(BASE_URL="http://testserver", ALLOWED_HOSTS=["testserver"])
@pytest.mark.parametrize(
    ("origin", "same"),
    [
        ("http://testserver", True),
        ("https://testserver", False),
        ("http://testserver:8443", False),
        ("http://evil.example", False),
    ],
)
def test_the_origin_check_compares_scheme_host_and_port(origin, same):
    request = RequestFactory().post("/letters/x/sign/", headers={"Origin": origin})
    assert is_same_origin(request) is same


@override_settings(BASE_URL="https://petitions.example", ALLOWED_HOSTS=["petitions.example"])
def test_a_plain_http_page_may_not_post_to_the_https_site():
    request = RequestFactory().post(
        "/letters/x/sign/",
        headers={"Origin": "http://petitions.example"},
        secure=True,
        HTTP_HOST="petitions.example",
    )
    assert not is_same_origin(request)
    secure = RequestFactory().post(
        "/letters/x/sign/",
        headers={"Origin": "https://petitions.example"},
        secure=True,
        HTTP_HOST="petitions.example",
    )
    assert is_same_origin(secure)
