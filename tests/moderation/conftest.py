"""Signatures from known networks at known times, and the people who moderate them."""

import itertools
from datetime import datetime

from django.test import Client

from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.lib.email_address import email_key
from undersigned.lib.network import address_hash, subnet_hash
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing.models import Signature, State
from undersigned.signing.signatures import Confirmed, SignatureInput, signatures_add_confirmed

_numbers = itertools.count(1)


def signatures_from(
    letter: Letter,
    addresses: list[str] | str,
    count: int,
    *,
    at: datetime,
    domain: str = "example.org",
    suspect: str = "",
    display: str = "full",
) -> list[int]:
    """`count` confirmed signatures made at `at`, from these client addresses in turn, as
    the sign path leaves them: keyed hashes of the address and its subnet, never the
    address. Returns their ids."""
    if isinstance(addresses, str):
        addresses = [addresses]
    numbers = [next(_numbers) for _ in range(count)]
    entries = [
        Confirmed(
            SignatureInput(
                name=f"Signer Number{n}",
                email=f"signer{n}@{domain}",
                display=display,
                consent_updates=False,
            ),
            at=at,
        )
        for n in numbers
    ]
    signatures_add_confirmed(letter=letter, confirmed=entries)
    ids = []
    for index, n in enumerate(numbers):
        address = addresses[index % len(addresses)]
        signature = Signature.objects.get(letter=letter, email_key=email_key(f"signer{n}@{domain}"))
        Signature.objects.filter(pk=signature.pk).update(
            ip_hash=address_hash(address),
            subnet_hash=subnet_hash(address),
            created_at=at,
            suspect=suspect,
        )
        ids.append(signature.pk)
    return ids


def states(ids: list[int]) -> list[str]:
    found = dict(Signature.objects.filter(pk__in=ids).values_list("pk", "state"))
    return [found.get(pk, "withdrawn") for pk in ids]


def member(organisation: Organisation, role: Role, email: str = "") -> User:
    user = User.objects.create_user(email or f"{role}@campaign.example")
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def counted(letter: Letter) -> int:
    return Signature.objects.filter(letter=letter, state=State.COUNTED).count()
