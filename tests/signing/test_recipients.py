"""The one rule for which address of a signer may receive which kind of message."""

from typing import Any

from tests.conftest import signed_and_confirmed
from undersigned.letters.models import Letter
from undersigned.signing.models import Signature
from undersigned.signing.recipients import Purpose, recipient
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create


def pending(letter: Letter, email: str, **fields: Any) -> Signature:
    data = SignatureInput(
        name="Sam Signer", email=email, display=fields.pop("display", "full"), **fields
    )
    return signature_create(letter=letter, data=data)


def addresses(signature: Signature) -> dict[str, str]:
    signature = Signature.objects.loaded(signature.pk) or signature
    return {purpose.value: recipient(signature, purpose) for purpose in Purpose}


def test_it_writes_to_a_public_signer_where_they_signed_and_updates_only_once_counted(
    petition: Letter,
) -> None:
    signature = pending(petition, "suzie@example.org", consent_updates=True)
    assert addresses(signature) == {
        "proof": "suzie@example.org",
        "reminder": "suzie@example.org",
        "manage_link": "suzie@example.org",
        "confirmed": "",
        "update": "",  # not before the address is confirmed
        "data_request": "suzie@example.org",
    }


def test_it_sends_updates_only_to_confirmed_signers_who_asked(petition: Letter) -> None:
    asked = pending(petition, "asked@example.org", consent_updates=True)
    silent = pending(petition, "silent@example.org", consent_updates=False)
    signature_confirm(signature_id=asked.pk)
    signature_confirm(signature_id=silent.pk)

    assert addresses(asked)["update"] == "asked@example.org"
    assert addresses(silent)["update"] == ""
    assert addresses(asked)["proof"] == ""  # proven already


def test_it_never_writes_to_a_work_address_again_after_the_proof(workers_letter: Letter) -> None:
    with_home = pending(
        workers_letter,
        "wren@northwind.example",
        display="anonymous",
        consent_updates=True,
        contact_email="wren@example.net",
    )
    without = pending(
        workers_letter, "nora@northwind.example", display="anonymous", consent_updates=False
    )

    assert addresses(with_home) == {
        "proof": "wren@northwind.example",
        "reminder": "",
        "manage_link": "wren@example.net",
        "confirmed": "wren@example.net",
        "update": "",
        "data_request": "wren@example.net",
    }
    assert addresses(without) == {
        "proof": "nora@northwind.example",
        "reminder": "",
        "manage_link": "",
        "confirmed": "",
        "update": "",
        "data_request": "",
    }


def test_it_writes_to_nobody_at_a_proven_address_it_no_longer_keeps(
    academic_letter: Letter,
) -> None:
    signature = signed_and_confirmed(
        academic_letter, "ada@stanford.edu", affiliation="Stanford", title="Professor"
    )
    assert set(addresses(signature).values()) == {""}
