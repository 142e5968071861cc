"""The address key records which canonical rules made it, and the migration that first
computed keys keeps its own frozen copy of those rules."""

import importlib

from django.test import Client

from tests.conftest import sign
from undersigned.letters.models import Letter
from undersigned.lib.email_address import CANONICAL_RULES, email_domain, email_key
from undersigned.signing.models import Signature

ADDRESSES = [
    "Suzie.Signer+petitions@GoogleMail.com",
    '"suzie"@example.org',
    "ana@bücher.example",
    "ben@Example.ORG.",
]


def test_it_records_the_rules_that_made_each_key(client: Client, petition: Letter) -> None:
    sign(client, petition, email="suzie@example.org")

    assert Signature.objects.get().email_key_rules == CANONICAL_RULES == 1


def test_it_computed_the_first_keys_with_the_rules_of_version_1() -> None:
    """While the rules are version 1, the frozen copy and the live code agree; a change to
    the rules must bump CANONICAL_RULES, and then this test says so."""
    migration = importlib.import_module(
        "undersigned.signing.migrations.0002_email_key_and_verification"
    )

    assert CANONICAL_RULES == 1
    for address in ADDRESSES:
        assert migration.email_key(address) == email_key(address)
        assert migration.email_domain(address) == email_domain(address)
